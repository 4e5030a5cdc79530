from converge_core.health import RepoHealthInputs, change_health, health_status, repo_health


def _inputs(**values):
    base = dict(
        simulations=0,
        mergeable_simulations=0,
        merged=0,
        rejected=0,
        avg_entropy=0.0,
        active_intents=0,
    )
    return RepoHealthInputs(**{**base, **values})


def test_a_quiet_repo_is_fully_healthy():
    snapshot = repo_health(_inputs(active_intents=2))
    assert snapshot["repo_health_score"] == 100.0
    assert (snapshot["mergeable_rate"], snapshot["conflict_rate"]) == (1.0, 0.0)
    assert snapshot["status"] == "green"
    assert snapshot["learning"] == {
        "summary": "Repo health is strong (score: 100)",
        "level": "strong",
        "lessons": [],
        "next_actions": [],
    }


def test_conflicts_entropy_and_rejections_lower_health():
    # 100 - 30*0.5 - 0.5*20 - 1.5*4 = 69.0
    snapshot = repo_health(
        _inputs(simulations=4, mergeable_simulations=2, rejected=4, merged=1, avg_entropy=20.0)
    )
    assert snapshot["repo_health_score"] == 69.0
    assert snapshot["entropy_score"] == 20.0
    assert snapshot["conflict_rate"] == 0.5
    assert (snapshot["merged_last_24h"], snapshot["rejected_last_24h"]) == (1, 4)
    assert snapshot["status"] == "yellow"
    lessons = snapshot["learning"]["lessons"]
    assert [lesson["code"] for lesson in lessons] == [
        "learn.health_below_target",
        "learn.low_mergeable",
        "learn.frequent_rejections",
        "learn.high_entropy",
    ]
    assert lessons[1]["metric"] == {"name": "mergeable_rate", "observed": 0.5, "target": 0.85}
    assert snapshot["learning"]["next_actions"] == [
        "Prioritize resolving conflicts, reducing entropy, and clearing the queue",
        "Reduce average change size and enforce pre-merge checks",
        "Review policy thresholds and source branch preparation workflows",
    ]


def test_entropy_and_rejections_are_capped_and_health_is_floored():
    snapshot = repo_health(
        _inputs(simulations=1, mergeable_simulations=0, rejected=50, avg_entropy=90.0)
    )
    # 100 - 30 - 25 - 30 = 15
    assert snapshot["repo_health_score"] == 15.0 and snapshot["status"] == "red"
    assert snapshot["learning"]["level"] == "fragile"


def test_health_bands():
    assert [health_status(s) for s in (70, 69.9, 40, 39.9)] == ["green", "yellow", "yellow", "red"]


def test_change_health_and_its_lessons():
    clean = change_health(risk_score=0, entropy_score=0, mergeable=True, policy_verdict="unknown")
    assert clean["health_score"] == 100.0 and clean["learning"]["lessons"] == []
    bad = change_health(risk_score=70, entropy_score=50, mergeable=False, policy_verdict="BLOCK")
    # 100 - 35 - 15 - 30 = 20
    assert (bad["health_score"], bad["status"]) == (20.0, "red")
    assert [lesson["code"] for lesson in bad["learning"]["lessons"]] == [
        "learn.conflict",
        "learn.high_risk",
        "learn.change_entropy",
    ]
    assert bad["learning"]["summary"] == "Change health: fragile (20)"
