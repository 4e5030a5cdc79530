"""The app graph has no cycles: every import follows layers.toml, and ARCHITECTURE.md names it.

The checker parses every module with ``ast`` (no import is executed), maps each import to its
top-level package and reports each one the declaration does not allow, with the importing
file, its line and the arrow; it also reports an import of ours naming a module that does not
exist (a path left behind by a move) and production code importing a tests module.
"""

from __future__ import annotations

import ast
import importlib
import re
import sys
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.apps import apps as django_apps

ROOT = Path(__file__).resolve().parent.parent
LOADERS = frozenset({"import_string", "import_module"})


@dataclass(frozen=True)
class Layers:
    layer_of: dict[str, int]  # package -> index of its layer, bottom = 0
    names: tuple[str, ...]  # layer names, bottom up
    apps: tuple[tuple[str, ...], ...]  # the packages of each layer, bottom up
    arrows: frozenset[tuple[str, str]]
    test_support: frozenset[str]

    def allows(self, source: str, target: str, *, in_tests: bool) -> bool:
        if source == target or (in_tests and target in self.test_support):
            return True
        below = self.layer_of[target] < self.layer_of[source]
        return below or (source, target) in self.arrows

    def describe(self, package: str) -> str:
        return f"{package} (layer {self.names[self.layer_of[package]]})"


def load_layers(text: str) -> Layers:
    """Parse a layers.toml; a malformed declaration is an error, not a silent gap."""
    data = tomllib.loads(text)
    layer_of: dict[str, int] = {}
    arrows: set[tuple[str, str]] = set()
    for index, layer in enumerate(data["layer"]):
        for app in layer["apps"]:
            if app in layer_of:
                raise ValueError(f"{app} is declared in two layers")
            layer_of[app] = index
    for index, layer in enumerate(data["layer"]):
        for arrow in layer.get("arrows", []):
            source, _, target = (part.strip() for part in arrow.partition("->"))
            if layer_of.get(source) != index or layer_of.get(target) != index:
                raise ValueError(f"arrow {arrow!r} must join two apps of layer {layer['name']}")
            arrows.add((source, target))
    test_support = frozenset(data.get("test_support", []))
    if unknown := test_support - layer_of.keys():
        raise ValueError(f"test_support names undeclared modules: {sorted(unknown)}")
    return Layers(
        layer_of=layer_of,
        names=tuple(layer["name"] for layer in data["layer"]),
        apps=tuple(tuple(layer["apps"]) for layer in data["layer"]),
        arrows=frozenset(arrows),
        test_support=test_support,
    )


@dataclass(frozen=True)
class Import:
    line: int
    target: str  # dotted module path (a module attribute for import_string)
    is_module: bool = True  # False for import_string: the last parts may name an attribute


def module_imports(source: str) -> Iterator[Import]:
    """Every absolute import of a module, wherever it stands (functions, TYPE_CHECKING
    blocks), and every ``import_string("...")`` / ``import_module("...")`` of a literal."""
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            yield from (Import(node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            yield Import(node.lineno, node.module)
        elif isinstance(node, ast.Call) and node.args:
            func = node.func
            name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
            first = node.args[0]
            if name in LOADERS and isinstance(first, ast.Constant) and isinstance(first.value, str):
                yield Import(node.lineno, first.value, is_module=name == "import_module")


def is_test_module(relative: Path) -> bool:
    return (
        "tests" in relative.parts[:-1]
        or relative.name.startswith("test_")
        or relative.name == "conftest.py"
    )


def python_files(root: Path) -> Iterator[Path]:
    """The repository's own Python files (hidden folders such as .venv and .git skipped)."""
    for path in sorted(root.rglob("*.py")):
        relative = path.relative_to(root)
        if not any(part.startswith(".") for part in relative.parts):
            yield path


def top_level(relative: Path) -> str:
    return relative.parts[0] if len(relative.parts) > 1 else relative.stem


def module_exists(root: Path, dotted: str) -> bool:
    base = root.joinpath(*dotted.split("."))
    return base.with_suffix(".py").is_file() or (base / "__init__.py").is_file()


def violations(root: Path, layers: Layers) -> list[str]:
    found = []
    for path in python_files(root):
        relative = path.relative_to(root)
        if "migrations" in relative.parts[:-1]:
            continue
        source = top_level(relative)
        in_tests = is_test_module(relative)
        for found_import in module_imports(path.read_text()):
            parts = found_import.target.split(".")
            target = parts[0]
            where = f"{relative}:{found_import.line} imports {found_import.target}"
            if "tests" in parts[1:] and not in_tests:
                found.append(f"{where}: production code never imports a tests module")
            if source not in layers.layer_of or target not in layers.layer_of:
                continue  # the standard library, a dependency, or an undeclared package
            if found_import.is_module and not module_exists(root, found_import.target):
                found.append(f"{where}: no such module")
            if not layers.allows(source, target, in_tests=in_tests):
                found.append(
                    f"{where}: {source} -> {target} is not allowed "
                    f"({layers.describe(source)} may not import {layers.describe(target)})"
                )
    return found


def undeclared_packages(root: Path, layers: Layers) -> set[str]:
    return {top_level(path.relative_to(root)) for path in python_files(root)} - set(layers.layer_of)


@pytest.fixture(scope="module")
def layers() -> Layers:
    return load_layers((ROOT / "layers.toml").read_text())


def test_every_import_follows_the_declared_layers(layers):
    assert violations(ROOT, layers) == []


def test_every_package_of_the_repository_is_declared(layers):
    assert undeclared_packages(ROOT, layers) == set()


def test_every_installed_app_of_ours_is_declared(layers):
    ours = {
        config.name.split(".")[0]
        for config in django_apps.get_app_configs()
        if Path(config.path).resolve().is_relative_to(ROOT)
        and not Path(config.path).resolve().is_relative_to(Path(sys.prefix).resolve())
    }
    assert ours and ours - set(layers.layer_of) == set()


def test_architecture_names_every_layer_with_its_apps(layers):
    """ARCHITECTURE.md's layer table has one row per layer, top down, naming its apps."""
    text = (ROOT / "ARCHITECTURE.md").read_text()
    rows = [line for line in text.splitlines() if re.match(r"\|\s*\*\*[\w-]+\*\*", line)]
    table = {
        re.search(r"\*\*([\w-]+)\*\*", row).group(1): set(re.findall(r"`([\w.]+)`", row))
        for row in rows
    }
    assert list(table) == list(reversed(layers.names))
    for name, apps in zip(layers.names, layers.apps, strict=True):
        assert set(apps) <= table[name], name


def test_architecture_names_every_hook_list():
    """Each hook list: declared in settings (``CONVERGE_X: list[str] = ...``) or documented
    in converge_core/hooks.py."""
    settings_text = (ROOT / "converge_site" / "settings" / "base.py").read_text()
    hooks_text = (ROOT / "converge_core" / "hooks.py").read_text()
    declared = set(re.findall(r"^(CONVERGE_[A-Z_]+): list\[str\] =", settings_text, re.M))
    declared |= set(re.findall(r"``(CONVERGE_[A-Z_]+)``", hooks_text))
    text = (ROOT / "ARCHITECTURE.md").read_text()
    assert "CONVERGE_SUMMARY_SECTIONS" in declared
    assert {name for name in declared if f"`{name}`" not in text} == set()


def _resolves(dotted: str) -> bool:
    parts = dotted.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            value = importlib.import_module(".".join(parts[:cut]))
        except ModuleNotFoundError:
            continue
        for name in parts[cut:]:
            value = getattr(value, name, None)
            if value is None:
                return False
        return True
    return False


def test_architecture_names_only_modules_that_exist(layers):
    """Every file or folder (``intents/validation.py``) and every dotted name of ours
    (``intents.services.intent_create``) the page mentions exists."""
    text = (ROOT / "ARCHITECTURE.md").read_text()
    paths = set(re.findall(r"`([\w/]+(?:\.py|/))`", text))
    assert paths and {path for path in paths if not (ROOT / path).exists()} == set()
    dotted = {
        name
        for name in re.findall(r"`([a-z_]+(?:\.\w+)+)`", text)
        if name.split(".")[0] in layers.layer_of and not name.endswith(".py")
    }
    assert dotted and {name for name in dotted if not _resolves(name)} == set()


# --- the checker itself ----------------------------------------------------------------------

SYNTHETIC_LAYERS = """
test_support = ["conftest"]

[[layer]]
name = "low"
apps = ["base", "log"]
arrows = ["base -> log"]

[[layer]]
name = "high"
apps = ["top", "conftest"]
"""


def _write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


def test_the_checker_reports_each_forbidden_import(tmp_path):
    _write(
        tmp_path,
        {
            "base/__init__.py": "",
            "base/models.py": (
                "from typing import TYPE_CHECKING\n"
                "import log.append\n"  # along the declared arrow
                "if TYPE_CHECKING:\n"
                "    from top.views import View\n"
                "def build():\n"
                "    import top.services\n"
                "    return import_string('top.hooks.hook')\n"
            ),
            "base/migrations/0001_initial.py": "import top.models\n",
            "base/tests/test_models.py": "from conftest import TENANT\nimport top\n",
            "log/__init__.py": "import base.models\n",
            "log/append.py": "",
            "top/services.py": "",
            "top/__init__.py": "import base.models\nimport log\nfrom .views import View\n",
            "top/views.py": "from base.tests.test_models import TENANT\nimport base.gone\n",
            "conftest.py": "import base\n",
        },
    )
    layers = load_layers(SYNTHETIC_LAYERS)
    assert violations(tmp_path, layers) == [
        "base/models.py:4 imports top.views: base -> top is not allowed "
        "(base (layer low) may not import top (layer high))",
        "base/models.py:6 imports top.services: base -> top is not allowed "
        "(base (layer low) may not import top (layer high))",
        "base/models.py:7 imports top.hooks.hook: base -> top is not allowed "
        "(base (layer low) may not import top (layer high))",
        "base/tests/test_models.py:2 imports top: base -> top is not allowed "
        "(base (layer low) may not import top (layer high))",
        "log/__init__.py:1 imports base.models: log -> base is not allowed "
        "(log (layer low) may not import base (layer low))",
        "top/views.py:1 imports base.tests.test_models: "
        "production code never imports a tests module",
        "top/views.py:2 imports base.gone: no such module",
    ]
    (tmp_path / "extra").mkdir()
    (tmp_path / "extra" / "__init__.py").write_text("")
    assert undeclared_packages(tmp_path, layers) == {"extra"}


@pytest.mark.parametrize(
    ("declaration", "message"),
    [
        (SYNTHETIC_LAYERS.replace('"base -> log"', '"base -> top"'), "must join two apps"),
        (SYNTHETIC_LAYERS.replace('"top", "conftest"', '"top", "base", "conftest"'), "two layers"),
        (SYNTHETIC_LAYERS.replace('["conftest"]', '["fixtures"]'), "undeclared"),
    ],
)
def test_a_malformed_declaration_is_refused(declaration, message):
    with pytest.raises(ValueError, match=message):
        load_layers(declaration)
