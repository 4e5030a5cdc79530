import os
import subprocess
import sys

import pytest
from django.core.exceptions import ImproperlyConfigured

from converge_site.envparse import cache_settings, postgres_settings, strict_bool, strict_choice


@pytest.mark.parametrize("word", ["1", "true", "YES", "On"])
def test_true_words(word):
    assert strict_bool(word, "X") is True


@pytest.mark.parametrize("word", ["0", "false", "No", "OFF"])
def test_false_words(word):
    assert strict_bool(word, "X") is False


def test_unknown_boolean_is_a_configuration_error_naming_the_variable():
    with pytest.raises(ImproperlyConfigured, match="CONVERGE_AUTH_REQUIRED='enabled'"):
        strict_bool("enabled", "CONVERGE_AUTH_REQUIRED")


def test_dsn_in_url_and_keyword_forms():
    url = postgres_settings("postgresql://alice:s3cret@db.internal:5433/converge?sslmode=require")
    assert (url["NAME"], url["USER"], url["PASSWORD"], url["HOST"], url["PORT"]) == (
        "converge",
        "alice",
        "s3cret",
        "db.internal",
        "5433",
    )
    assert url["OPTIONS"] == {"sslmode": "require"}
    keywords = postgres_settings("host=127.0.0.1 port=5432 user=postgres dbname=cv")
    assert (keywords["NAME"], keywords["HOST"]) == ("cv", "127.0.0.1")


def test_malformed_or_missing_dsn_fails_at_start_up():
    with pytest.raises(ImproperlyConfigured, match="not a valid PostgreSQL DSN"):
        postgres_settings("host=a broken=")
    with pytest.raises(ImproperlyConfigured, match="required"):
        postgres_settings("")


def test_backend_must_be_sqlite_or_postgres():
    assert strict_choice("SQLite", "CONVERGE_DB_BACKEND", ("sqlite", "postgres")) == "sqlite"
    with pytest.raises(ImproperlyConfigured, match="expected one of sqlite, postgres"):
        strict_choice("mysql", "CONVERGE_DB_BACKEND", ("sqlite", "postgres"))


def _settings_in_subprocess(tmp_path, **env):
    code = (
        "import django; django.setup(); from django.conf import settings; "
        "print(settings.DATABASES['default']['ENGINE'], settings.DATABASES['default']['NAME'])"
    )
    environment = {**os.environ, "CONVERGE_HOME": str(tmp_path), **env}
    environment.pop("CONVERGE_DB_PATH", None)
    environment["DJANGO_SETTINGS_MODULE"] = "converge_site.settings"
    return subprocess.run(
        [sys.executable, "-c", code], env=environment, capture_output=True, text=True
    )


def test_sqlite_is_the_default_under_converge_home(tmp_path):
    done = _settings_in_subprocess(tmp_path, CONVERGE_DB_BACKEND="sqlite")
    assert done.stdout.split() == ["django.db.backends.sqlite3", str(tmp_path / "state.db")]


def test_a_bad_backend_stops_the_start_naming_the_variable(tmp_path):
    done = _settings_in_subprocess(tmp_path, CONVERGE_DB_BACKEND="oracle")
    assert done.returncode != 0 and "CONVERGE_DB_BACKEND='oracle'" in done.stderr


def test_a_secret_key_is_generated_once_with_private_permissions(tmp_path):
    home = tmp_path / "home"
    env = {"CONVERGE_DB_BACKEND": "sqlite", "DJANGO_SECRET_KEY": ""}
    _settings_in_subprocess(home, **env)
    key_file = home / "secret_key"
    first = key_file.read_text()
    _settings_in_subprocess(home, **env)
    assert key_file.read_text() == first and len(first) > 40
    assert oct(key_file.stat().st_mode & 0o777) == "0o600"
    assert (home / ".gitignore").read_text() == "*\n"


def test_cache_urls_of_every_scheme_django_environ_knows():
    redis = cache_settings("redis://:pw@cache.internal:6379/1")
    assert redis == {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": "redis://:pw@cache.internal:6379/1",
        "KEY_PREFIX": "converge",
    }
    assert cache_settings("dbcache://converge_cache")["BACKEND"].endswith("db.DatabaseCache")


def test_unknown_cache_scheme_names_the_variable():
    with pytest.raises(ImproperlyConfigured, match="CONVERGE_CACHE_URL='mysql://x'"):
        cache_settings("mysql://x")
