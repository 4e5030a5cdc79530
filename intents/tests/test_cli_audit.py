from conftest import git_branches
from intents.tests.tamper import edit_payload
from ledger.append import event_append


def test_events_are_listed_newest_first_with_filters(cli, git_repo):
    git_branches(git_repo, "f/a", "f/b")
    cli("intent", "create", "--from-branch", "f/a", "--intent-id", "a")
    cli("intent", "create", "--from-branch", "f/b", "--intent-id", "b", "--tenant-id", "t1")
    everything = cli("audit", "events")
    assert [e["intent_id"] for e in everything.json] == ["b", "b", "a", "a"]  # + intake
    assert cli("audit", "events", "--intent-id", "a").json[0]["event_type"] == "intent.created"
    assert [e["intent_id"] for e in cli("audit", "events", "--tenant-id", "t1").json] == ["b"] * 2
    assert cli("audit", "events", "--type", "worker.started").json == []
    assert cli("audit", "events", "--since", "2999-01-01T00:00:00Z").json == []
    assert cli("audit", "events", "--since", "yesterday").exit_code == 2


def test_verify_chain_exits_0_then_3_naming_the_edited_event(cli):
    events = [event_append(event_type="worker.heartbeat", payload={"n": i}) for i in range(3)]
    assert cli("audit", "verify-chain").exit_code == 0
    edit_payload(events[1].id, '{"n": 7}')
    result = cli("audit", "verify-chain")
    assert result.exit_code == 3
    assert result.json["first_bad"]["id"] == events[1].id
    assert events[1].id in result.stderr
    assert cli("audit", "init-chain").json["resealed"] is True
    assert cli("audit", "verify-chain").exit_code == 0


def test_rebuild_intents_check_exits_3_on_a_difference(cli, git_repo):
    from intents.tests.tamper import raw_sql

    git_branches(git_repo, "f/a")

    cli("intent", "create", "--from-branch", "f/a", "--intent-id", "a")
    assert cli("audit", "rebuild-intents", "--check").exit_code == 0
    raw_sql("UPDATE intents_intent SET priority = 5 WHERE id = %s", ["a"])
    assert cli("audit", "rebuild-intents", "--check").exit_code == 3


def test_prune_rejects_a_non_positive_retention(cli):
    assert cli("audit", "prune", "--retention-days", "0").exit_code == 2
    assert cli("audit", "prune", "--dry-run").json["dry_run"] is True
