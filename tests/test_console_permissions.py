"""A view-only staff account may look at every page of the console and change nothing: every
action, every change, add and delete form and every custom view refuses it, and the database
(event log included) is as it was."""

from __future__ import annotations

from typing import Any

import pytest
from django.apps import apps
from django.contrib import admin
from django.db import models
from django.test import Client, RequestFactory
from django.urls import reverse

from tests.console_seed import PASSWORD, operator, seed, viewer

# everything an operator could change, compared row by row before and after
WATCHED = (
    "ledger.Event",
    "intents.Intent",
    "intents.Repository",
    "intents.QueueLock",
    "intents.TenantRiskPolicy",
    "reviews.ReviewTask",
    "access.ApiKey",
    "flags.FlagOverride",
    "intake.IntakeOverride",
    "auth.User",
)


def _state() -> dict[str, list[dict[str, Any]]]:
    return {label: list(apps.get_model(label).objects.order_by("pk").values()) for label in WATCHED}


def _one_pk(model: type[models.Model]) -> Any:
    return model._default_manager.order_by("pk").values_list("pk", flat=True).first()


def _every_action() -> list[tuple[str, str, Any]]:
    """(changelist url, action name, a selected pk) of every action an operator is offered."""
    request = RequestFactory().get("/admin/")
    request.user = operator()
    found = []
    for model, model_admin in admin.site._registry.items():
        pk = _one_pk(model)
        if pk is None:
            continue
        url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
        for name in model_admin.get_actions(request):
            found.append((url, name, pk))
    return found


@pytest.fixture
def seeded(db):
    return seed()


@pytest.fixture
def client_viewer(seeded) -> Client:
    viewer()
    client = Client()
    assert client.login(username="viewer", password=PASSWORD)
    return client


def test_the_viewer_sees_every_page(client_viewer, seeded):
    for model in admin.site._registry:
        opts = model._meta
        if not opts.app_label.startswith("auth"):
            url = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
            assert client_viewer.get(url).status_code == 200, url
    assert client_viewer.get(reverse("admin:index")).status_code == 200
    page = client_viewer.get(reverse("admin:intents_intent_change", args=["blocked-1"]))
    assert page.status_code == 200 and b'id="intent-actions"' not in page.content


def test_every_action_is_refused_to_the_viewer_and_changes_nothing(client_viewer, seeded):
    actions = _every_action()
    names = {name for _, name, _ in actions}
    # the console's actions, all of them: a new one joins this test by being offered
    assert {
        "validate",
        "requeue",
        "set_priority",
        "reject",
        "request_review",
        "release_review_hold",
        "release",
        "revoke",
        "assign",
        "complete",
        "escalate",
        "cancel",
    } <= names
    before = _state()
    for url, name, pk in actions:
        response = client_viewer.post(
            url,
            {
                "action": name,
                "_selected_action": [pk],
                "confirmed": "yes",
                "reason": "sneaky",
                "priority": "1",
                "reviewer": "mallory",
                "resolution": "approved",
            },
        )
        # refused: back to the list (no action offered), or a 403; never a confirmation page
        assert response.status_code in (200, 302, 403), (url, name)
        assert b'name="confirmed"' not in response.content, (url, name)
        assert b"Are you sure?" not in response.content, (url, name)
    assert _state() == before


def test_every_form_and_view_that_writes_is_refused_to_the_viewer(client_viewer, seeded):
    before = _state()
    for model in admin.site._registry:
        opts = model._meta
        prefix = f"admin:{opts.app_label}_{opts.model_name}"
        assert client_viewer.post(reverse(f"{prefix}_add"), {"name": "x"}).status_code == 403
        pk = _one_pk(model)
        if pk is None:
            continue
        for view in ("change", "delete"):
            url = reverse(f"{prefix}_{view}", args=[pk])
            response = client_viewer.post(url, {"post": "yes", "name": "x", "mode": "open"})
            assert response.status_code == 403, url
    toggle = client_viewer.post(
        reverse("admin:flags_flagoverride_toggle"),
        {"flag": "notifications", "operation": "disable", "confirmed": "yes", "reason": "x"},
    )
    set_mode = client_viewer.post(
        reverse("admin:intake_intakeoverride_set_mode"),
        {"tenant_id": "acme", "mode": "pause", "reason": "x", "confirmed": "yes"},
    )
    assert (toggle.status_code, set_mode.status_code) == (403, 403)
    assert b"<html" in toggle.content  # the console's own 403 page, not the API's JSON
    assert _state() == before


def test_an_operator_without_the_permission_is_not_offered_the_action(db, seeded):
    from django.contrib.auth.models import Permission

    user = viewer()
    user.user_permissions.add(Permission.objects.get(codename="decide_review"))
    client = Client()
    client.login(username="viewer", password=PASSWORD)
    reviews = client.get(reverse("admin:reviews_reviewtask_changelist"))
    intents = client.get(reverse("admin:intents_intent_changelist"))
    offered = {name for name, _ in reviews.context["action_form"].fields["action"].choices}
    assert {"assign", "complete", "escalate", "cancel"} <= offered
    offered = {name for name, _ in intents.context["action_form"].fields["action"].choices}
    assert "reject" not in offered and "release_review_hold" in offered
