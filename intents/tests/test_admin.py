from django.urls import reverse

from intents.models import Intent
from intents.services import intent_transition
from intents.tests.factories import create_intent
from ledger.append import event_append
from ledger.models import Event


def test_changelists_render_for_every_registered_model(admin_client, repository):
    create_intent(repository, "a-1")
    for name in (
        "intents_intent",
        "ledger_event",
        "intents_repository",
        "intents_commitlink",
        "ledger_chainseal",
        "ledger_prunecheckpoint",
        "intents_processingfailure",
        "intents_intentdecision",
        "intents_workerheartbeat",
    ):
        response = admin_client.get(reverse(f"admin:{name}_changelist"))
        assert response.status_code == 200, name
    response = admin_client.get(reverse("admin:intents_intent_changelist"), {"status": "READY"})
    assert b"a-1" in response.content


def test_events_are_read_only_in_the_console(admin_client, db):
    event = event_append(event_type="worker.started")
    change = admin_client.post(
        reverse("admin:ledger_event_change", args=[event.pk]), {"event_type": "worker.stopped"}
    )
    assert change.status_code == 403
    delete = admin_client.post(
        reverse("admin:ledger_event_delete", args=[event.pk]), {"post": "yes"}
    )
    assert delete.status_code == 403
    assert Event.objects.get(pk=event.pk).event_type == "worker.started"


def test_intents_cannot_be_added_or_edited_in_the_console(admin_client, repository):
    # Every creation and update goes through the services' validation (decisions §41): the
    # console offers no form that writes intent fields.
    create_intent(repository, "a-1", priority=3)
    add = admin_client.post(reverse("admin:intents_intent_add"), {"id": "x", "source": "f/x"})
    assert add.status_code == 403
    change = admin_client.post(
        reverse("admin:intents_intent_change", args=["a-1"]),
        {"priority": 1, "technical": '{"scope_hint": 5}'},
    )
    assert change.status_code == 403
    assert not Intent.objects.filter(pk="x").exists()
    assert Intent.objects.get(pk="a-1").priority == 3


def test_requeue_action_resets_retries_then_validates(admin_client, repository):
    create_intent(repository, "a-1")
    intent_transition(
        intent_id="a-1", to="VALIDATED", cause="validate_ok", event_type="intent.validated"
    )
    intent_transition(
        intent_id="a-1", to="READY", cause="queue_block", event_type="intent.requeued", retries=2
    )
    response = admin_client.post(
        reverse("admin:intents_intent_changelist"),
        {"action": "requeue", "_selected_action": ["a-1"]},
        follow=True,
    )
    assert response.status_code == 200
    assert Intent.objects.get(pk="a-1").retries == 0
    reset = Event.objects.get(event_type="queue.reset")
    assert reset.agent_id == "admin:admin"


def test_validate_action_runs_the_pipeline(admin_client, repository, git_repo):
    from conftest import git

    git(git_repo, "checkout", "-q", "-b", "feature/doc")
    (git_repo / "doc.md").write_text("doc\n")
    git(git_repo, "add", "doc.md")
    git(git_repo, "commit", "-q", "-m", "doc")
    git(git_repo, "checkout", "-q", "main")
    create_intent(repository, "d-1", source="feature/doc")
    response = admin_client.post(
        reverse("admin:intents_intent_changelist"),
        {"action": "validate", "_selected_action": ["d-1"]},
        follow=True,
    )
    assert b"D-1: validated" in response.content  # the admin capitalises messages
    assert Intent.objects.get(pk="d-1").status == "VALIDATED"


def test_tenant_risk_policy_is_saved_through_the_service(admin_client, db):
    from intents.models import TenantRiskPolicy

    url = reverse("admin:intents_tenantriskpolicy_add")
    bad = admin_client.post(url, {"tenant_id": "t1", "data": '{"mode": "loud"}'})
    assert bad.status_code == 200 and not TenantRiskPolicy.objects.exists()
    good = admin_client.post(url, {"tenant_id": "t1", "data": '{"mode": "enforce"}'})
    assert good.status_code == 302
    assert TenantRiskPolicy.objects.get().data == {"mode": "enforce"}
    assert Event.objects.get(event_type="risk.policy_updated").tenant_id == "t1"


def test_queue_lock_release_action(admin_client, repository):
    from intents.locks import lock_acquire
    from intents.models import QueueLock

    lock_acquire(repository, "main", holder="dead-host:1:x", ttl=300)
    url = reverse("admin:intents_queuelock_changelist")
    selected = {"action": "release", "_selected_action": [f"{repository.name}:main"]}
    asked = admin_client.post(url, selected)
    assert b'name="reason"' in asked.content and QueueLock.objects.exists()
    unreasoned = admin_client.post(url, {**selected, "confirmed": "yes", "reason": " "})
    assert b"Give a reason to continue." in unreasoned.content and QueueLock.objects.exists()
    response = admin_client.post(
        url, {**selected, "confirmed": "yes", "reason": "worker died"}, follow=True
    )
    assert b"Released 1 lock(s)." in response.content
    assert not QueueLock.objects.exists()
    released = Event.objects.get(event_type="queue.lock_released")
    assert (released.payload["holder"], released.payload["reason"], released.agent_id) == (
        "dead-host:1:x",
        "worker died",
        "admin:admin",
    )
