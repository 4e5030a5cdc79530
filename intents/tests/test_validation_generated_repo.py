"""A new user's first run on a generated repository: 1,000 modules in 25 packages."""

import pytest

from converge_core.synthetic import BranchSpec, build_synthetic_repo
from intents.repositories import repository_resolve
from intents.tests.factories import create_intent
from intents.validation import intent_validate


@pytest.fixture
def synthetic(tmp_path, settings, db):
    built = build_synthetic_repo(
        tmp_path / "repo",
        branches=BranchSpec(clean=11, conflicting_pairs=3, conflicts_with_main=1, wide=2),
    )
    settings.CONVERGE_HOME = tmp_path / "home"
    return built, repository_resolve(built.path)


def test_clean_branches_validate_and_wide_or_conflicting_ones_are_blocked(synthetic):
    built, repository = synthetic
    assert len(built.branches) == 20
    for branch in built.branches:
        create_intent(repository, branch.replace("/", "-"), source=branch)

    for branch in built.clean:
        decision = intent_validate(intent_id=branch.replace("/", "-"))
        assert decision["decision"] == "validated", decision.get("reason")
        assert decision["risk_level"] == "medium"

    for branch in built.wide:
        decision = intent_validate(intent_id=branch.replace("/", "-"))
        assert decision["decision"] == "blocked"
        gates = {g["gate"]: g for g in decision["policy"]["gates"]}
        assert not gates["entropy"]["passed"] and not gates["containment"]["passed"]
        assert gates["entropy"]["reason"].startswith("Entropy delta ")
        assert "vs budget" in gates["entropy"]["reason"]
        reason = decision["reason"]
        assert reason.startswith("Policy blocked: gates ['containment', 'entropy']: Containment ")
        assert "vs min 0.50; Entropy delta " in reason and "vs budget 18.0" in reason
        packages = sorted({path.rsplit("/", 1)[0] for path in built.files[branch]})
        assert f"{len(built.files[branch])} files in {len(packages)} folders: " in reason
        assert packages[0] in reason

    for branch in built.conflicts_with_main:
        decision = intent_validate(intent_id=branch.replace("/", "-"))
        assert decision["decision"] == "blocked"
        assert decision["reason"] == "Merge conflicts: " + ", ".join(built.files["main"][:5])
