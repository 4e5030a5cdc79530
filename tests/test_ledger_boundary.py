"""Only the ledger queries the event log; every other app reads it through ledger.selectors."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SKIPPED = {"ledger", "tests", "migrations", ".venv"}


def _queries_events(path: Path) -> bool:
    for node in ast.walk(ast.parse(path.read_text())):
        if (
            isinstance(node, ast.Attribute)
            and node.attr in ("objects", "_default_manager")
            and isinstance(node.value, ast.Name)
            and node.value.id == "Event"
        ):
            return True
    return False


def test_no_module_outside_the_ledger_queries_events():
    offenders = [
        str(path.relative_to(ROOT))
        for path in ROOT.rglob("*.py")
        if not SKIPPED & set(path.relative_to(ROOT).parts[:-1])
        and not path.name.startswith("test_")
        and _queries_events(path)
    ]
    assert offenders == []
