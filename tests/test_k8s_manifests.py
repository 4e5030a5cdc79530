"""k8s/: the six files the runbook applies, rendered from the chart (`make k8s`), and enough on
their own: the migration runs before the API serves and the beat rides with the workers."""

from __future__ import annotations

import re
from pathlib import Path

import kubernetes_validate
import yaml

from converge_site import chart

ROOT = Path(__file__).resolve().parent.parent
RUNBOOK_ORDER = [
    "configmap.yaml",
    "secret.yaml",
    "deployment-api.yaml",
    "deployment-worker.yaml",
    "service.yaml",
    "hpa.yaml",
]


def _objects(name: str) -> list[dict]:
    return [doc for doc in yaml.safe_load_all((ROOT / "k8s" / name).read_text()) if doc]


def test_k8s_is_rendered_from_the_chart():
    expected = chart.k8s_manifests()
    assert sorted(expected) == sorted(RUNBOOK_ORDER)
    for name, text in expected.items():
        assert (ROOT / "k8s" / name).read_text() == text, f"k8s/{name} is stale: run `make k8s`"
    assert sorted(path.name for path in (ROOT / "k8s").iterdir()) == sorted(RUNBOOK_ORDER)


def test_the_readme_applies_them_in_the_runbooks_order():
    readme = (ROOT / "README.md").read_text()
    assert re.findall(r"kubectl apply -f k8s/(\S+)", readme) == RUNBOOK_ORDER


def test_every_object_is_valid_and_plain():
    kinds = {}
    for name in RUNBOOK_ORDER:
        for doc in _objects(name):
            kubernetes_validate.validate(doc, chart.KUBE_VERSION, strict=True)
            assert "helm.sh/hook" not in (doc["metadata"].get("annotations") or {})
            kinds.setdefault(name, []).append((doc["kind"], doc["metadata"]["name"]))
    assert kinds == {
        "configmap.yaml": [("ConfigMap", "converge-config")],
        "secret.yaml": [("Secret", "converge-secrets")],
        "deployment-api.yaml": [("Deployment", "converge-api")],
        "deployment-worker.yaml": [
            ("Deployment", "converge-worker"),
            ("Deployment", "converge-beat"),
        ],
        "service.yaml": [("Service", "converge-api")],
        "hpa.yaml": [
            ("HorizontalPodAutoscaler", "converge-api-hpa"),
            ("PodDisruptionBudget", "converge-api"),
        ],
    }


def test_the_api_migrates_before_it_serves_and_the_others_wait():
    api = _objects("deployment-api.yaml")[0]["spec"]["template"]["spec"]
    assert [c["name"] for c in api["initContainers"]] == ["migrate"]
    assert api["initContainers"][0]["args"] == ["migrate", "--noinput"]
    for doc in _objects("deployment-worker.yaml"):
        pod = doc["spec"]["template"]["spec"]
        wait = pod["initContainers"][0]
        assert wait["name"] == "wait-for-migrations"
        assert "converge migrate --check" in wait["command"][-1]


def test_the_secret_holds_placeholders_only():
    secret = _objects("secret.yaml")[0]["stringData"]
    assert "CHANGE_ME" in secret["DJANGO_SECRET_KEY"]
    assert "CHANGE_ME" in secret["CONVERGE_PG_DSN"]
    config = _objects("configmap.yaml")[0]["data"]
    assert config["CONVERGE_DB_BACKEND"] == "postgres"
    assert config["CONVERGE_AUTH_REQUIRED"] == "1"
