"""The Helm chart, rendered by Helm's own engine (helm-python-sdk) and validated strictly against
the Kubernetes schemas (kubernetes-validate): with the default values, a production-like values
file and the trial options; lint, the values schema, and the runbook's names and guarantees."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

import helm_python
import kubernetes_validate
import pytest
import yaml

from converge_site import chart, envvars

REGISTERED = {var.name for var in envvars.REGISTRY}
# Set by the chart on containers, outside the registry: nothing Converge reads itself.
CONTAINER_ONLY_ENV: set[str] = set()


def _render(*files, overrides: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    return chart.documents(chart.render(chart.merged_values(*files, overrides=overrides)))


VARIANTS = {
    "default": lambda: _render(),
    "production": lambda: _render(chart.PRODUCTION_VALUES),
    "trial": lambda: _render(
        overrides={
            "postgresql": {"enabled": True},
            "redis": {"enabled": True},
            "worker": {"autoscaling": {"enabled": True}},
            "networkPolicy": {"enabled": True},
            "githubApp": {
                "privateKey": "-----BEGIN PRIVATE KEY-----\nx\n-----END PRIVATE KEY-----"
            },
        }
    ),
}


@pytest.fixture(scope="module", params=sorted(VARIANTS))
def rendered(request) -> list[dict[str, Any]]:
    return VARIANTS[request.param]()


def _one(docs, kind: str, name: str) -> dict[str, Any]:
    found = [d for d in docs if d["kind"] == kind and d["metadata"]["name"] == name]
    assert len(found) == 1, (kind, name, [(d["kind"], d["metadata"]["name"]) for d in docs])
    return found[0]


def _pod(doc) -> dict[str, Any]:
    return doc["spec"]["template"]["spec"]


def _mebibytes(quantity: str) -> float:
    units = {"Ki": 1 / 1024, "Mi": 1, "Gi": 1024, "Ti": 1024 * 1024}
    for suffix, factor in units.items():
        if str(quantity).endswith(suffix):
            return float(str(quantity)[: -len(suffix)]) * factor
    return float(quantity) / (1024 * 1024)


# --- the registry and the chart agree ----------------------------------------------------------


def test_the_chart_is_generated_from_the_registry():
    assert chart.stale_files() == [], "run `make helm-config`"
    values = yaml.safe_load((chart.CHART / "values.yaml").read_text())
    assert set(values["config"]) | set(values["secrets"]["values"]) == REGISTERED
    assert not set(values["config"]) & set(values["secrets"]["values"])
    assert {name for name in REGISTERED if envvars.BY_NAME[name].secret} <= set(
        values["secrets"]["values"]
    )


def test_a_variable_added_to_the_registry_makes_the_chart_stale(monkeypatch):
    added = envvars.EnvVar("CONVERGE_NEW_KNOB", "7", "A knob another app adds")
    monkeypatch.setattr(chart, "REGISTRY", (*envvars.REGISTRY, added))
    assert chart.stale_files() == ["helm/converge/values.yaml", "helm/converge/values.schema.json"]
    values = yaml.safe_load(chart.synced_values((chart.CHART / "values.yaml").read_text()))
    assert values["config"]["CONVERGE_NEW_KNOB"] == "7"
    schema = json.loads(chart.synced_schema((chart.CHART / "values.schema.json").read_text()))
    assert "CONVERGE_NEW_KNOB" in schema["properties"]["config"]["properties"]


def test_a_secret_variable_goes_to_the_secret_with_no_default(monkeypatch):
    added = dataclasses.replace(envvars.BY_NAME["CONVERGE_API_KEYS"], name="CONVERGE_NEW_TOKEN")
    monkeypatch.setattr(chart, "REGISTRY", (*envvars.REGISTRY, added))
    values = yaml.safe_load(chart.synced_values((chart.CHART / "values.yaml").read_text()))
    assert values["secrets"]["values"]["CONVERGE_NEW_TOKEN"] == ""
    assert "CONVERGE_NEW_TOKEN" not in values["config"]


def test_a_credential_goes_to_the_secret_even_unmarked(monkeypatch):
    added = envvars.EnvVar("CONVERGE_GITHUB_WEBHOOK_SECRET", "", "HMAC secret of deliveries")
    monkeypatch.setattr(chart, "REGISTRY", (*envvars.REGISTRY, added))
    values = yaml.safe_load(chart.synced_values((chart.CHART / "values.yaml").read_text()))
    assert "CONVERGE_GITHUB_WEBHOOK_SECRET" in values["secrets"]["values"]
    assert "CONVERGE_BROKER_KEY_PREFIX" in values["config"]


def test_the_configmap_carries_every_setting_with_a_value():
    docs = _render()
    data = _one(docs, "ConfigMap", "converge-config")["data"]
    values = yaml.safe_load((chart.CHART / "values.yaml").read_text())["config"]
    assert set(data) == {name for name, value in values.items() if str(value) != ""}
    assert set(data) <= REGISTERED
    assert data["CONVERGE_DB_BACKEND"] == "postgres"
    assert data["CONVERGE_HOME"] == "/data/converge"
    assert data["CONVERGE_DB_PATH"] == "/data/converge/state.db"
    assert "converge-api.default.svc" in data["DJANGO_ALLOWED_HOSTS"]
    secret = _one(docs, "Secret", "converge-secrets")["stringData"]
    assert set(secret) <= REGISTERED and len(secret["DJANGO_SECRET_KEY"]) == 50
    assert not {"CONVERGE_PG_DSN", "CONVERGE_API_KEYS", "DJANGO_SECRET_KEY"} & set(data)


# --- validation --------------------------------------------------------------------------------


def test_every_manifest_is_valid_for_the_current_kubernetes(rendered):
    assert rendered
    for doc in rendered:
        kubernetes_validate.validate(doc, chart.KUBE_VERSION, strict=True)


def test_strict_validation_refuses_an_unknown_field():
    deployment = _one(_render(), "Deployment", "converge-api")
    _pod(deployment)["containers"][0]["livenessprobe"] = {}
    with pytest.raises(kubernetes_validate.ValidationError, match="livenessprobe"):
        kubernetes_validate.validate(deployment, chart.KUBE_VERSION, strict=True)


@pytest.mark.parametrize("values_file", [None, chart.PRODUCTION_VALUES, chart.K8S_VALUES])
def test_the_chart_lints_clean(values_file):
    values = chart.merged_values(values_file) if values_file else None
    report = chart.lint(values)
    assert report["errors"] == []
    assert [m for m in report["messages"] if m["severity"] >= 2] == []


@pytest.mark.parametrize(
    ("overrides", "complaint"),
    [
        ({"api": {"replica": 3}}, "replica"),
        ({"worker": {"replicas": "two"}}, "/worker/replicas"),
        ({"config": {"CONVERGE_RATE_LIMT_RPM": "300"}}, "CONVERGE_RATE_LIMT_RPM"),
        ({"secrets": {"values": {"CONVERGE_PG_DNS": "postgresql://x"}}}, "CONVERGE_PG_DNS"),
        ({"image": {"tag": "latest"}}, "/image/tag"),
        ({"migration": {"mode": "later"}}, "/migration/mode"),
        ({"containerSecurityContext": {"readOnlyRootFileSystem": True}}, "readOnlyRootFileSystem"),
        ({"containerSecurityContext": {"readOnlyRootFilesystem": False}}, "readOnlyRootFilesystem"),
        ({"podSecurityContext": {"runAsUser": 0}}, "runAsUser"),
        ({"worker": {"terminationGracePeriodSeconds": 10}}, "terminationGracePeriodSeconds"),
        ({"worker": {"groups": [{"name": "Fast", "queues": ["merge"], "replicas": 1}]}}, "name"),
    ],
)
def test_the_values_schema_refuses_typos_and_wrong_types(overrides, complaint):
    with pytest.raises(helm_python.HelmValuesError, match=complaint):
        chart.render(chart.merged_values(overrides=overrides))
    report = chart.lint(chart.merged_values(overrides=overrides))
    assert any(complaint.strip("/").split("/")[-1] in error for error in report["errors"])


def test_the_values_schema_takes_flag_overrides_and_numbers():
    docs = _render(
        overrides={"config": {"CONVERGE_FF_INTAKE_CONTROL": "0", "CONVERGE_RATE_LIMIT_RPM": 300}}
    )
    data = _one(docs, "ConfigMap", "converge-config")["data"]
    assert data["CONVERGE_FF_INTAKE_CONTROL"] == "0"
    assert data["CONVERGE_RATE_LIMIT_RPM"] == "300"


# --- the runbook's names, probes and guarantees ------------------------------------------------


def test_the_runbook_names_and_labels(rendered):
    for doc in rendered:
        assert doc["metadata"]["labels"]["app"] == "converge", doc["metadata"]["name"]
    for component in ("api", "worker", "beat"):
        deployment = _one(rendered, "Deployment", f"converge-{component}")
        assert deployment["metadata"]["labels"]["component"] == component
        labels = deployment["spec"]["template"]["metadata"]["labels"]
        assert labels["app"] == "converge" and labels["component"] == component
        assert deployment["spec"]["selector"]["matchLabels"].items() <= labels.items()
    service = _one(rendered, "Service", "converge-api")
    assert service["spec"]["selector"] == {"app": "converge", "component": "api"}
    assert service["spec"]["ports"] == [
        {"name": "http", "port": 9876, "targetPort": "http", "protocol": "TCP"}
    ]
    hpa = _one(rendered, "HorizontalPodAutoscaler", "converge-api-hpa")
    assert hpa["spec"]["scaleTargetRef"]["name"] == "converge-api"


def test_the_api_probes_and_port(rendered):
    container = _pod(_one(rendered, "Deployment", "converge-api"))["containers"][0]
    assert container["livenessProbe"]["httpGet"]["path"] == "/health/live"
    assert container["readinessProbe"]["httpGet"]["path"] == "/health/ready"
    assert container["ports"] == [{"name": "http", "containerPort": 9876, "protocol": "TCP"}]
    assert container["args"][:5] == ["serve", "--host", "0.0.0.0", "--port", "9876"]


def test_exactly_one_beat_and_draining_workers(rendered):
    beats = [d for d in rendered if d["kind"] == "Deployment" and "beat" in d["metadata"]["name"]]
    assert len(beats) == 1
    assert beats[0]["spec"]["replicas"] == 1
    assert beats[0]["spec"]["strategy"] == {"type": "Recreate"}
    assert _pod(beats[0])["containers"][0]["args"] == ["beat"]
    workers = [
        d
        for d in rendered
        if d["kind"] == "Deployment" and d["metadata"]["labels"]["component"] == "worker"
    ]
    assert workers
    for worker in workers:
        pod = _pod(worker)
        assert pod["terminationGracePeriodSeconds"] == 60
        container = pod["containers"][0]
        assert container["args"][:2] == ["worker", "--no-beat"]
        assert _mebibytes(container["resources"]["requests"]["memory"]) >= 1024
        assert "memory" in container["resources"]["limits"]


def test_worker_autoscaling_is_opt_in():
    default = _render()
    assert [d["metadata"]["name"] for d in default if d["kind"] == "HorizontalPodAutoscaler"] == [
        "converge-api-hpa"
    ]
    assert _one(default, "Deployment", "converge-worker")["spec"]["replicas"] == 1
    scaled = _render(overrides={"worker": {"autoscaling": {"enabled": True}}})
    hpa = _one(scaled, "HorizontalPodAutoscaler", "converge-worker-hpa")
    assert hpa["spec"]["scaleTargetRef"]["name"] == "converge-worker"
    assert "replicas" not in _one(scaled, "Deployment", "converge-worker")["spec"]


def test_worker_groups_split_the_queues():
    docs = _render(chart.PRODUCTION_VALUES)
    main = _pod(_one(docs, "Deployment", "converge-worker"))["containers"][0]["args"]
    group = _pod(_one(docs, "Deployment", "converge-worker-security"))["containers"][0]["args"]
    assert main[main.index("--queues") + 1] == "merge,default"
    assert group[group.index("--queues") + 1] == "security"


def test_every_container_is_unprivileged_with_a_read_only_root(rendered):
    for doc in rendered:
        if doc["kind"] not in ("Deployment", "Job") or doc["metadata"]["labels"].get(
            "component"
        ) in (
            "postgresql",
            "redis",
        ):
            continue
        pod = _pod(doc)
        assert pod["securityContext"]["runAsNonRoot"] is True
        assert pod["automountServiceAccountToken"] is False
        for container in pod["containers"] + pod.get("initContainers", []):
            context = container["securityContext"]
            assert context["readOnlyRootFilesystem"] is True, container["name"]
            assert context["allowPrivilegeEscalation"] is False
            assert context["capabilities"]["drop"] == ["ALL"]
            assert "requests" in container["resources"] and "limits" in container["resources"]
            mounts = {m["mountPath"] for m in container["volumeMounts"]}
            assert "/data/converge" in mounts, container["name"]
        assert "/tmp" in {m["mountPath"] for m in pod["containers"][0]["volumeMounts"]}


def test_the_github_app_key_is_mounted_where_the_runbook_looks(rendered):
    for component in ("api", "worker"):
        pod = _pod(_one(rendered, "Deployment", f"converge-{component}"))
        mount = next(
            m for m in pod["containers"][0]["volumeMounts"] if m["name"] == "github-app-key"
        )
        assert mount == {
            "name": "github-app-key",
            "mountPath": "/secrets/github-app",
            "readOnly": True,
        }
        volume = next(v for v in pod["volumes"] if v["name"] == "github-app-key")
        assert volume["secret"]["secretName"] == "converge-github-app-key"
        assert volume["secret"]["items"] == [{"key": "private-key.pem", "path": "private-key.pem"}]


def test_every_variable_set_on_a_container_is_registered(rendered):
    for doc in rendered:
        if doc["kind"] not in ("Deployment", "Job"):
            continue
        if doc["metadata"]["labels"].get("component") in ("postgresql", "redis"):
            continue
        for container in _pod(doc)["containers"] + _pod(doc).get("initContainers", []):
            for entry in container.get("env", []):
                name = entry["name"]
                assert name in REGISTERED or name.startswith("CONVERGE_FF_"), name


def test_the_migration_hook_runs_after_its_configmap_and_secret():
    docs = _render()
    job = _one(docs, "Job", "converge-migrate")
    hooks = job["metadata"]["annotations"]
    assert hooks["helm.sh/hook"] == "pre-install,pre-upgrade"
    assert _pod(job)["containers"][0]["args"] == ["migrate", "--noinput"]
    assert _pod(job)["restartPolicy"] == "Never"
    for kind, name in (("ConfigMap", "converge-config"), ("Secret", "converge-secrets")):
        annotations = _one(docs, kind, name)["metadata"]["annotations"]
        assert annotations["helm.sh/hook"] == "pre-install,pre-upgrade"
        assert int(annotations["helm.sh/hook-weight"]) < int(hooks["helm.sh/hook-weight"])
    assert all("initContainers" not in _pod(d) for d in docs if d["kind"] == "Deployment")


def test_an_existing_secret_replaces_the_chart_secret():
    docs = _render(chart.PRODUCTION_VALUES)
    assert not [d for d in docs if d["kind"] == "Secret"]
    for doc in docs:
        if doc["kind"] == "Deployment":
            refs = _pod(doc)["containers"][0]["envFrom"]
            assert {"secretRef": {"name": "converge-production"}} in refs
            assert {"configMapRef": {"name": "converge-config"}} in refs


def test_the_json_files_are_mounted_read_only_and_the_harness_is_seeded_writable():
    docs = _render(chart.PRODUCTION_VALUES)
    files = _one(docs, "ConfigMap", "converge-files")["data"]
    assert json.loads(files["policy.json"])["missing_checks"] == "block"
    assert set(files) == {"policy.json", "flags.json", "coherence_harness.json"}
    pod = _pod(_one(docs, "Deployment", "converge-api"))
    container = pod["containers"][0]
    mounts = {m["mountPath"]: m for m in container["volumeMounts"]}
    assert mounts["/etc/converge/policy.json"]["readOnly"] is True
    assert mounts["/data/converge/flags.json"]["subPath"] == "flags.json"
    assert {"name": "CONVERGE_POLICY_PATH", "value": "/etc/converge/policy.json"} in container[
        "env"
    ]
    seed = next(c for c in pod["initContainers"] if c["name"] == "seed-coherence-harness")
    assert "coherence_harness.json" in seed["command"][-1]
    assert {m["mountPath"] for m in seed["volumeMounts"]} >= {"/data/converge"}
    assert "/data/converge/coherence_harness.json" not in mounts
    claims = {
        v["name"]: v["persistentVolumeClaim"]["claimName"]
        for v in pod["volumes"]
        if "persistentVolumeClaim" in v
    }
    assert claims == {"data": "converge-data", "repos": "converge-repos"}


def test_the_pdb_and_the_network_policy():
    docs = _render(chart.PRODUCTION_VALUES)
    pdb = _one(docs, "PodDisruptionBudget", "converge-api")
    assert pdb["spec"]["selector"]["matchLabels"] == {"app": "converge", "component": "api"}
    api = _one(docs, "NetworkPolicy", "converge-api")
    assert api["spec"]["ingress"][0]["ports"] == [{"port": 9876, "protocol": "TCP"}]
    background = _one(docs, "NetworkPolicy", "converge-background")
    assert background["spec"]["ingress"] == []
    assert not [d for d in _render() if d["kind"] == "NetworkPolicy"]


def test_the_optional_ingress_routes_to_the_api_service_with_tls():
    ingress = _one(_render(chart.PRODUCTION_VALUES), "Ingress", "converge-api")
    assert ingress["spec"]["tls"] == [
        {"hosts": ["converge.example.com"], "secretName": "converge-tls"}
    ]
    backend = ingress["spec"]["rules"][0]["http"]["paths"][0]["backend"]
    assert backend == {"service": {"name": "converge-api", "port": {"name": "http"}}}
    assert not [d for d in _render() if d["kind"] == "Ingress"]


def test_trial_databases_are_wired_into_the_secret():
    docs = VARIANTS["trial"]()
    secret = _one(docs, "Secret", "converge-secrets")["stringData"]
    assert (
        secret["CONVERGE_PG_DSN"]
        == "postgresql://converge:converge@converge-postgresql:5432/converge"
    )
    assert secret["CONVERGE_BROKER_URL"] == "redis://converge-redis:6379/0"
    assert (
        _one(docs, "StatefulSet", "converge-postgresql")["metadata"]["annotations"][
            "helm.sh/hook-weight"
        ]
        == "-20"
    )
    key = _one(docs, "Secret", "converge-github-app-key")["stringData"]
    assert set(key) == {"private-key.pem"}
