"""The dashboard shows open semantic conflicts and open critical or high security findings,
each linked to the list and the intents behind it, and neither panel while nothing is open."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from security.tests.factories import SecurityFindingFactory, SecurityScanFactory
from semantic.models import SemanticConflict
from tests.console_seed import PASSWORD, operator, seed

PANELS = ("Semantic conflicts", "Security findings")


@pytest.fixture
def seeded(db):
    return seed()


@pytest.fixture
def ops(seeded) -> Client:
    operator()
    client = Client()
    assert client.login(username="ops", password=PASSWORD)
    return client


def _titles(client: Client) -> list[str]:
    response = client.get(reverse("admin:index"))
    assert response.status_code == 200
    return [section.title for section in response.context["sections"]]


def test_no_panel_while_nothing_is_open(ops):
    assert not set(PANELS) & set(_titles(ops))


def test_open_conflicts_and_severe_findings_are_shown_with_their_links(ops, seeded):
    conflict = SemanticConflict.objects.create(
        intent_a=seeded.blocked,
        intent_b=seeded.waiting,
        model="deterministic-v1",
        score=0.91,
        similarity=0.95,
        target_overlap=1.0,
        scope_overlap=0.5,
        target="main",
        mode="shadow",
    )
    scan = SecurityScanFactory(intent=seeded.blocked)
    SecurityFindingFactory(scan=scan, severity="critical", rule="AWS Access Key", file="k.py")
    SecurityFindingFactory(scan=scan, severity="low", rule="B101")  # not severe: not shown
    SecurityFindingFactory(scan=scan, severity="high", status="dismissed", dismissed_reason="ok")

    response = ops.get(reverse("admin:index"))
    sections = {section.title: section for section in response.context["sections"]}
    assert set(PANELS) <= set(sections)
    semantic = sections["Semantic conflicts"].context
    assert semantic["open_total"] == 1 and semantic["rows"][0]["conflict"] == conflict
    assert ops.get(semantic["open_url"]).context["cl"].result_count == 1
    assert ops.get(semantic["rows"][0]["a_url"]).status_code == 200
    security = sections["Security findings"].context
    assert [(severity, count) for severity, count, _ in security["counts"]] == [
        ("critical", 1),
        ("high", 0),
    ]
    assert [row["finding"].rule for row in security["rows"]] == ["AWS Access Key"]
    assert ops.get(security["counts"][0][2]).context["cl"].result_count == 1
    content = response.content.decode()
    assert "AWS Access Key" in content and "k.py:3" in content and "0.910" in content

    conflict.status = "resolved"
    conflict.resolution = "one kept"
    conflict.save()
    assert "Semantic conflicts" not in _titles(ops)
