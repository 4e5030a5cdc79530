"""compose.yaml and the image, checked the way Docker would read them (no engine runs here)."""

from pathlib import Path

import yaml

from converge_site.envvars import BY_NAME

ROOT = Path(__file__).resolve().parent.parent
CONVERGE_SERVICES = ("converge", "converge-worker", "converge-beat", "migrate")


def _compose():
    return yaml.safe_load((ROOT / "compose.yaml").read_text())


def test_the_runbook_services_exist_with_their_roles():
    services = _compose()["services"]
    assert set(services) == {
        "migrate",
        "converge",
        "converge-worker",
        "converge-beat",
        "postgres",
        "redis",
        "otel-collector",
    }
    assert services["converge"]["command"][:1] == ["serve"]
    assert services["converge"]["ports"] == ["9876:9876"]
    assert services["converge-worker"]["command"] == ["worker", "--no-beat"]
    assert services["converge-worker"]["stop_grace_period"] == "60s"
    assert services["converge-beat"]["command"] == ["beat"]
    assert services["migrate"]["command"] == ["migrate", "--noinput"]
    assert services["otel-collector"]["profiles"] == ["observability"]


def test_every_converge_variable_is_one_the_application_reads():
    services = _compose()["services"]
    for name in CONVERGE_SERVICES:
        unknown = set(services[name]["environment"]) - set(BY_NAME)
        assert unknown == set(), (name, unknown)


def test_migrations_run_before_the_application_starts():
    services = _compose()["services"]
    for name in ("converge", "converge-worker", "converge-beat"):
        depends = services[name]["depends_on"]
        assert depends["migrate"]["condition"] == "service_completed_successfully"
        assert depends["postgres"]["condition"] == "service_healthy"
    assert services["converge"]["environment"]["CONVERGE_AUTH_REQUIRED"] == "0"
    assert "CONVERGE_GITHUB_WEBHOOK_ALLOW_UNSIGNED" not in services["converge"]["environment"]


def test_the_image_runs_unprivileged_with_a_liveness_check():
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "USER converge" in dockerfile
    assert "/health/live" in dockerfile and "HEALTHCHECK" in dockerfile
    assert "FROM python:3.11-slim" in dockerfile


def test_the_collector_receives_otlp_and_exports_to_prometheus():
    config = yaml.safe_load((ROOT / "deploy/otel-collector.yaml").read_text())
    assert set(config["receivers"]["otlp"]["protocols"]) == {"grpc", "http"}
    assert config["service"]["pipelines"]["metrics"]["exporters"] == ["debug", "prometheus"]
