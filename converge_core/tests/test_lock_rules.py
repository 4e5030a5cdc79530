"""Queue-lock rules: the advisory-lock key of a lock name and the mechanism in force."""

import hashlib

import pytest

from converge_core.locks import ENFORCE, OFF, SHADOW, advisory_key, advisory_key_parts, lock_mode


def test_the_key_is_the_first_eight_bytes_of_the_md5_as_a_signed_big_endian_integer():
    digest = hashlib.md5(b"app:main").digest()
    assert advisory_key("app:main") == int.from_bytes(digest[:8], "big", signed=True)
    assert advisory_key("app:main") == advisory_key("app:main")  # stable
    assert advisory_key("app:main") != advisory_key("app:release")
    assert all(-(2**63) <= advisory_key(f"r:{n}") < 2**63 for n in range(200))


def test_a_negative_key_splits_into_the_unsigned_halves_pg_locks_shows():
    assert advisory_key_parts(-1) == (0xFFFF_FFFF, 0xFFFF_FFFF)
    assert advisory_key_parts(1) == (0, 1)
    assert advisory_key_parts(-(2**63)) == (0x8000_0000, 0)
    key = advisory_key("app:main")
    high, low = advisory_key_parts(key)
    assert ((high << 32) | low) == key & 0xFFFF_FFFF_FFFF_FFFF


@pytest.mark.parametrize(
    ("flag_mode", "backend", "mode"),
    [
        ("", "postgres", OFF),
        ("shadow", "postgres", SHADOW),
        ("enforce", "postgres", ENFORCE),
        ("enforce", "sqlite", OFF),
        ("shadow", "sqlite", OFF),
    ],
)
def test_the_flag_moves_locks_only_on_postgresql(flag_mode, backend, mode):
    assert lock_mode(flag_mode=flag_mode, backend=backend) == mode


def test_an_unknown_mode_is_refused():
    with pytest.raises(ValueError, match="unknown advisory_locks mode"):
        lock_mode(flag_mode="sometimes", backend="postgres")
