"""The embedded broker's sends are atomic: a consumer never claims a half-written message, and
the sweep removes what a killed sender left behind."""

from __future__ import annotations

import builtins
import os
import time
from pathlib import Path

from kombu import Connection

from converge_site.broker import EMBEDDED_TRANSPORT, EmbeddedTransport, processed_messages_sweep


def _connection(folder: Path) -> Connection:
    options = {
        "data_folder_in": str(folder),
        "data_folder_out": str(folder),
        "store_processed": True,
        "processed_folder": str(folder.parent / "processed"),
    }
    (folder.parent / "processed").mkdir(exist_ok=True)
    return Connection(transport=EmbeddedTransport, transport_options=options)


def test_a_message_appears_only_once_written_and_is_read_whole(tmp_path, monkeypatch):
    folder = tmp_path / "messages"
    folder.mkdir()
    seen_while_writing: list[list[str]] = []
    real_open = builtins.open

    class Watching:
        def __init__(self, handle):
            self.handle = handle

        def __getattr__(self, name):
            return getattr(self.handle, name)

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            self.handle.close()

        def write(self, data):
            seen_while_writing.append(sorted(n for n in os.listdir(folder) if n.endswith(".msg")))
            return self.handle.write(data)

    def watching_open(path, mode="r", *args, **kwargs):
        handle = real_open(path, mode, *args, **kwargs)
        return Watching(handle) if "w" in mode and str(folder) in str(path) else handle

    with _connection(folder) as connection:
        channel = connection.default_channel
        monkeypatch.setattr(builtins, "open", watching_open)
        channel._put("merge", {"body": "x" * 10_000})
        monkeypatch.undo()

        assert seen_while_writing == [[]]  # no consumer could see it during the write
        assert [name for name in os.listdir(folder) if not name.endswith(".msg")] == []
        assert channel._get("merge") == {"body": "x" * 10_000}


def test_the_sweep_removes_old_processed_messages_and_abandoned_sends(tmp_path, settings):
    messages, processed = tmp_path / "messages", tmp_path / "processed"
    messages.mkdir()
    processed.mkdir()
    settings.CELERY_BROKER_TRANSPORT = EMBEDDED_TRANSPORT
    settings.CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(messages),
        "data_folder_out": str(messages),
        "processed_folder": str(processed),
    }
    old = time.time() - 7200
    files = {
        "old_done": processed / "1_a.merge.msg",
        "new_done": processed / "2_b.merge.msg",
        "abandoned": messages / ".abc.partial",
        "writing": messages / ".def.partial",
        "waiting": messages / "3_c.merge.msg",
    }
    for path in files.values():
        path.write_text("{}")
    for name in ("old_done", "abandoned", "waiting"):
        os.utime(files[name], (old, old))

    assert processed_messages_sweep(older_than_seconds=3600) == 2

    assert {name for name, path in files.items() if path.exists()} == {
        "new_done",
        "writing",
        "waiting",  # not processed yet: never swept
    }
