from converge_core.archaeology import (
    Commit,
    analyse,
    coupling_pairs,
    merge_coupling,
    report_issues,
)


def _commits():
    alice, bob = ("Alice", "alice@x.io"), ("Bob", "bob@x.io")
    return [
        Commit(*alice, ("src/a.py", "src/b.py")),
        Commit(*alice, ("src/a.py", "src/b.py", "src/c.py")),
        Commit(*bob, ("src/a.py",)),
        Commit(*alice, tuple(f"vendor/{i}.py" for i in range(60)) + ("src/a.py",)),
    ]


def test_report_counts_hotspots_coupling_and_authors():
    report = analyse(_commits(), top=3)
    assert report["commits_analyzed"] == 4
    assert report["hotspots"][0] == {"file": "src/a.py", "changes": 4}
    # the 61-file commit is left out of pairing; single co-changes do not count
    assert report["coupling"] == [
        {"file_a": "src/a.py", "file_b": "src/b.py", "co_changes": 2, "source": "git-log"}
    ]
    assert [a["author"] for a in report["authors"]] == ["Alice", "Bob"]
    assert report["authors"][0]["commits"] == 3
    assert report["bus_factor"] == 2


def test_authors_are_identified_by_email():
    report = analyse([Commit("Al", "al@x.io", ("f",)), Commit("Alice", "AL@x.io", ("f",))])
    assert len(report["authors"]) == 1 and report["authors"][0]["commits"] == 2


def test_empty_history():
    assert analyse([]) == {"error": "No git history available", "commits_analyzed": 0}
    assert report_issues(analyse([])) == [
        "Zero commits analyzed",
        "No hotspots found",
        "No authors found",
        "Bus factor is zero",
    ]


def test_linked_pairs_are_merged_and_marked_hybrid():
    history = coupling_pairs([("a", "b"), ("a", "b")], source="git-log")
    linked = coupling_pairs(
        [("a", "b"), ("a", "b"), ("c", "d"), ("c", "d")], source="linked-history"
    )
    merged = merge_coupling(history, linked)
    assert merged == [
        {"file_a": "a", "file_b": "b", "co_changes": 4, "source": "hybrid"},
        {"file_a": "c", "file_b": "d", "co_changes": 2, "source": "linked-history"},
    ]
