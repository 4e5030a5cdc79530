"""Coherence suggestions in the admin console: accepting one adds its question."""

from __future__ import annotations

import json

from django.urls import reverse

from harness.coherence import harness_path
from harness.models import CoherenceSuggestion
from harness.suggestions import FILE_COUNT_QUESTION, suggestion_id


def test_accepting_a_suggestion_from_the_admin_writes_the_harness(
    admin_client, db, settings, tmp_path
):
    settings.CONVERGE_HOME = tmp_path / "home"
    sid = suggestion_id(FILE_COUNT_QUESTION["id"])
    CoherenceSuggestion.objects.create(
        id=sid, type="file_count_regression", question=dict(FILE_COUNT_QUESTION)
    )
    url = reverse("admin:harness_coherencesuggestion_changelist")

    listed = admin_client.get(url)
    admin_client.post(url, {"action": "accept", "_selected_action": [sid]})

    assert listed.status_code == 200
    assert CoherenceSuggestion.objects.get(pk=sid).status == "accepted"
    document = json.loads(harness_path().read_text())
    assert [q["id"] for q in document["questions"]] == ["q-file-count-guard"]
