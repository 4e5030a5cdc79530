"""Nothing that does not embed imports torch: not the CLI's reads and scans, not the API,
even with the language model selected (importing torch costs seconds)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import database_env

ROOT = Path(__file__).resolve().parents[2]

# The process serves the API too, so it sets Django up with every app first, as the web server
# does (a CLI process on its own leaves out the apps only the web server uses).
SCRIPT = """
import io, json, os, sys
from contextlib import redirect_stdout

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "converge_site.settings")
django.setup()
from converge.cli import main

codes = []
for args in (
    ["semantic", "status"],
    ["semantic", "conflicts"],
    ["semantic", "conflict-list"],
    ["semantic", "reindex", "--dry-run"],
    ["semantic", "--help"],
):
    with redirect_stdout(io.StringIO()):
        try:
            codes.append(main(args))
        except SystemExit as done:
            codes.append(done.code)

from django.test import Client
from access.services import api_key_create

_, key = api_key_create(role="operator", actor="probe", tenant=None, scopes=None)
client = Client(HTTP_X_API_KEY=key)
statuses = [
    client.get("/v1/semantic/status").status_code,
    client.get("/v1/semantic/conflicts").status_code,
    client.get("/v1/semantic/conflicts/active").status_code,
    client.post("/v1/semantic/conflicts/scan", {}, content_type="application/json").status_code,
    client.get("/v1/flags").status_code,
]
print(json.dumps({
    "codes": codes,
    "statuses": statuses,
    "loaded": [m for m in ("torch", "sentence_transformers", "transformers") if m in sys.modules],
}))
"""


@pytest.mark.process
def test_reads_and_scans_never_import_torch(tmp_path: Path, transactional_db: None) -> None:
    env = {
        **database_env(tmp_path),
        "DJANGO_ALLOWED_HOSTS": "testserver",
        "CONVERGE_FF_SEMANTIC_EMBEDDINGS_MODEL_MODE": "sentence-transformers",
        "CONVERGE_RATE_LIMIT_ENABLED": "0",
    }
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["codes"] == [0, 0, 0, 1, 0]  # the dry run finds no intents: exit 1
    assert result["statuses"] == [200, 200, 200, 200, 200]
    assert result["loaded"] == []
