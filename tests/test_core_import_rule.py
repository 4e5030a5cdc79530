"""converge_core is pure Python: it never imports Django or the Django apps."""

import ast
from pathlib import Path

CORE = Path(__file__).resolve().parent.parent / "converge_core"
FORBIDDEN = (
    "django",
    "rest_framework",
    "celery",
    "intents",
    "flags",
    "converge_site",
    "reviews",
    "intake",
    "notifications",
)


def test_converge_core_imports_no_django():
    offenders = []
    for path in CORE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            offenders += [f"{path.name}: {n}" for n in names if n.split(".")[0] in FORBIDDEN]
    assert offenders == []
