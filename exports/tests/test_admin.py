"""Exporting decisions from the admin console."""

from __future__ import annotations

import csv
import io

from django.urls import reverse

from exports.dataset import COLUMNS
from intents.tests.factories import IntentFactory


def test_the_selected_intents_download_as_csv(admin_client, db):
    IntentFactory(id="picked")
    IntentFactory(id="left-out")
    url = reverse("admin:exports_decisionrecord_changelist")

    listed = admin_client.get(url)
    response = admin_client.post(url, {"action": "export_csv", "_selected_action": ["picked"]})

    assert listed.status_code == 200 and b"picked" in listed.content
    assert response.status_code == 200
    assert response["Content-Disposition"] == "attachment; filename=decisions.csv"
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0] == list(COLUMNS)
    assert [row[0] for row in rows[1:]] == ["picked"]
