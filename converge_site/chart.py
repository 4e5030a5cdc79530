"""The Helm chart (``helm/converge``) kept in step with the registry of environment variables,
and the plain manifests of ``k8s/`` rendered from it.

``values.yaml`` carries every registered variable: the secret ones (and the DSNs, which carry
passwords) under ``secrets.values``, the others under ``config`` (the ConfigMap). Both blocks
and their ``values.schema.json`` properties are generated here, so a variable added to the
registry reaches the chart with ``make helm-config``, and tests/test_helm_chart.py fails until
it does. ``make k8s`` renders ``k8s/`` with ``ci/k8s-values.yaml``.

    python -m converge_site.chart write|check|k8s
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import yaml

from converge_site.envvars import REGISTRY, EnvVar

ROOT = Path(__file__).resolve().parent.parent
CHART = ROOT / "helm" / "converge"
K8S = ROOT / "k8s"
K8S_VALUES = CHART / "ci" / "k8s-values.yaml"
PRODUCTION_VALUES = CHART / "ci" / "production-values.yaml"
RELEASE = "converge"
NAMESPACE = "default"
# The Kubernetes version manifests are validated against (the newest kubernetes-validate knows).
KUBE_VERSION = "1.37.0"

# Registered variables the chart keeps in the Secret although they are not marked secret:
# URLs that carry passwords.
SECRET_URLS = ("CONVERGE_PG_DSN", "CONVERGE_BROKER_URL", "CONVERGE_CACHE_URL")
# Names that say "credential" go to the Secret whatever their registration says.
SECRET_SUFFIXES = ("_SECRET", "_KEY", "_KEYS", "_TOKEN", "_PASSWORD", "_DSN")

# The chart's own defaults where a container differs from a developer's machine.
CHART_DEFAULTS = {
    "CONVERGE_HOME": "/data/converge",
    "CONVERGE_DB_BACKEND": "postgres",
    "CONVERGE_DB_PATH": "/data/converge/state.db",
    "CONVERGE_REPO_PATH": "/data/converge/repos/app",
    "DJANGO_ALLOWED_HOSTS": (
        "converge-api,converge-api.{{ .Release.Namespace }}.svc,localhost,127.0.0.1"
    ),
    "CONVERGE_GITHUB_APP_PRIVATE_KEY_PATH": "/secrets/github-app/private-key.pem",
}

# The generated blocks of values.yaml: marker prefix -> (indent, key).
BLOCKS = {"config": ("", "config"), "secrets": ("  ", "values")}
# Flag overrides (CONVERGE_FF_<FLAG>, CONVERGE_FF_<FLAG>_MODE) are accepted in `config` too.
FLAG_PATTERN = "^CONVERGE_FF_[A-Z0-9_]+$"

# Where each template's objects go among the six files the runbook applies.
K8S_FILES = {
    "configmap.yaml": "configmap.yaml",
    "secret.yaml": "secret.yaml",
    "deployment-api.yaml": "deployment-api.yaml",
    "deployment-worker.yaml": "deployment-worker.yaml",
    "service.yaml": "service.yaml",
    "hpa.yaml": "hpa.yaml",
    "pdb.yaml": "hpa.yaml",
}
K8S_HEADER = (
    "# Rendered from helm/converge with helm/converge/ci/k8s-values.yaml by `make k8s`;\n"
    "# do not edit by hand. Apply in the runbook's order: configmap, secret, deployment-api,\n"
    "# deployment-worker, service, hpa.\n"
)


def is_secret(var: EnvVar) -> bool:
    return var.secret or var.name in SECRET_URLS or var.name.endswith(SECRET_SUFFIXES)


def chart_default(var: EnvVar) -> str:
    return CHART_DEFAULTS.get(var.name, var.default)


def _block_lines(indent: str, key: str, variables: list[EnvVar]) -> list[str]:
    lines = [f"{indent}{key}:"]
    for var in variables:
        lines.append(f"{indent}  # {var.description}")
        value = "" if is_secret(var) else chart_default(var)
        lines.append(f"{indent}  {var.name}: {json.dumps(value)}")
    return lines


def block_variables(block: str) -> list[EnvVar]:
    secret = block == "secrets"
    return [var for var in REGISTRY if is_secret(var) == secret]


def synced_values(text: str) -> str:
    """``values.yaml``'s text with its generated blocks rebuilt from the registry."""
    lines = text.splitlines()
    for block, (indent, key) in BLOCKS.items():
        begin = next(i for i, line in enumerate(lines) if line.startswith(f"{indent}# >>> {block}"))
        end = next(i for i, line in enumerate(lines) if line.startswith(f"{indent}# <<< {block}"))
        lines[begin + 1 : end] = _block_lines(indent, key, block_variables(block))
    return "\n".join(lines) + "\n"


def _properties(variables: list[EnvVar]) -> dict[str, Any]:
    return {
        var.name: {"type": ["string", "integer", "boolean"], "description": var.description}
        for var in variables
    }


def synced_schema(text: str) -> str:
    """``values.schema.json``'s text with the properties of both blocks from the registry."""
    schema = json.loads(text)
    config = schema["properties"]["config"]
    config["properties"] = _properties(block_variables("config"))
    config["patternProperties"] = {FLAG_PATTERN: {"type": ["string", "integer", "boolean"]}}
    config["additionalProperties"] = False
    values = schema["properties"]["secrets"]["properties"]["values"]
    values["properties"] = _properties(block_variables("secrets"))
    values["additionalProperties"] = False
    return json.dumps(schema, indent=2, ensure_ascii=False) + "\n"


def _files() -> dict[Path, str]:
    return {
        CHART / "values.yaml": synced_values((CHART / "values.yaml").read_text()),
        CHART / "values.schema.json": synced_schema((CHART / "values.schema.json").read_text()),
    }


def stale_files() -> list[str]:
    """The chart files that differ from what the registry generates."""
    return [
        str(path.relative_to(ROOT)) for path, text in _files().items() if path.read_text() != text
    ]


def write() -> None:
    for path, text in _files().items():
        path.write_text(text)


# --- rendering (helm-python-sdk: Helm's own engine, offline) -----------------------------------


def merged_values(*files: Path, overrides: dict[str, Any] | None = None) -> dict[str, Any]:
    """The values files' contents merged left to right (Helm's -f order), then ``overrides``."""
    merged: dict[str, Any] = {}
    for path in files:
        _merge(merged, yaml.safe_load(path.read_text()) or {})
    _merge(merged, overrides or {})
    return merged


def _merge(into: dict[str, Any], new: dict[str, Any]) -> None:
    for key, value in new.items():
        if isinstance(value, dict) and isinstance(into.get(key), dict):
            _merge(into[key], value)
        else:
            into[key] = value


def render(values: dict[str, Any] | None = None) -> dict[str, str]:
    """Template path (``templates/x.yaml``) -> rendered text; the schema is checked first."""
    import helm_python

    with helm_python.Chart.load(CHART) as chart:
        rendered = chart.render(values or {}, name=RELEASE, namespace=NAMESPACE, is_install=True)
    prefix = f"{CHART.name}/"
    return {path.removeprefix(prefix): text for path, text in rendered.items()}


def documents(rendered: dict[str, str]) -> list[dict[str, Any]]:
    """Every Kubernetes object of a render (NOTES.txt left out)."""
    objects: list[dict[str, Any]] = []
    for path, text in sorted(rendered.items()):
        if path.endswith(".yaml"):
            objects.extend(doc for doc in yaml.safe_load_all(text) if doc)
    return objects


def lint(values: dict[str, Any] | None = None) -> dict[str, Any]:
    """``helm lint --strict`` through the SDK."""
    import helm_python

    return helm_python.lint(CHART, values, strict=True, kube_version=f"v{KUBE_VERSION}")


def k8s_manifests() -> dict[str, str]:
    """The six files of ``k8s/``: the chart rendered with ``ci/k8s-values.yaml``."""
    rendered = render(merged_values(K8S_VALUES))
    parts: dict[str, list[str]] = {name: [] for name in dict.fromkeys(K8S_FILES.values())}
    for path, text in sorted(rendered.items()):
        template = path.removeprefix("templates/")
        body = text.strip()
        if not body or not path.endswith(".yaml"):
            continue
        if template not in K8S_FILES:
            raise ValueError(f"{path} renders objects no file of k8s/ takes")
        parts[K8S_FILES[template]].append(body.removeprefix("---\n"))
    return {
        name: K8S_HEADER + "---\n" + "\n---\n".join(bodies) + "\n" for name, bodies in parts.items()
    }


def write_k8s() -> None:
    K8S.mkdir(exist_ok=True)
    for name, text in k8s_manifests().items():
        (K8S / name).write_text(text)


def main(argv: list[str]) -> int:
    command = argv[0] if argv else "check"
    if command == "write":
        write()
    elif command == "k8s":
        write_k8s()
    elif command == "check":
        if stale := stale_files():
            print(f"stale: {', '.join(stale)}; run `make helm-config`", file=sys.stderr)
            return 1
    else:
        print("usage: python -m converge_site.chart write|check|k8s", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
