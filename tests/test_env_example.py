from pathlib import Path

from converge_site.envvars import REGISTRY, render_env_example

ROOT = Path(__file__).resolve().parent.parent


def test_env_example_is_generated_from_the_registry():
    assert (ROOT / ".env.example").read_text() == render_env_example()


def test_every_registered_variable_has_a_description_and_a_unique_name():
    names = [var.name for var in REGISTRY]
    assert len(names) == len(set(names))
    assert all(var.description for var in REGISTRY)


def test_settings_read_only_registered_variables():
    source = (ROOT / "converge_site/settings/base.py").read_text()
    used = {var.name for var in REGISTRY if f'"{var.name}"' in source}
    assert "CONVERGE_DB_BACKEND" in used and "CONVERGE_PG_DSN" in used
    assert 'os.environ.get("CONVERGE_' not in source
