"""Parsing ``git log -z --name-only`` with a NUL-led format into commits."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

from converge_core.git.errors import GitError

# Each record starts with an empty field (the format begins with NUL), so an empty subject or
# a commit without files stays unambiguous.
LOG_FORMAT = "--format=%x00%H%x00%an%x00%ae%x00%aI%x00%s"
_HEADER_FIELDS = 5  # sha, author name, author email, author date, subject


@dataclass(frozen=True)
class CommitInfo:
    sha: str
    author_name: str
    author_email: str
    date: datetime
    subject: str
    files: tuple[str, ...]


def parse_log(out: bytes) -> Iterator[CommitInfo]:
    fields = [f.decode("utf-8", "surrogateescape") for f in out.split(b"\0")]
    pos = 0
    while pos + _HEADER_FIELDS < len(fields):
        if fields[pos]:
            raise GitError(f"unexpected git log output near {fields[pos]!r}")
        sha, name, email, date, subject = fields[pos + 1 : pos + 1 + _HEADER_FIELDS]
        pos += 1 + _HEADER_FIELDS
        files: list[str] = []
        while pos < len(fields) and fields[pos]:
            # git separates the header from the name list with a newline.
            files.append(fields[pos][1:] if not files and fields[pos][0] == "\n" else fields[pos])
            pos += 1
        yield CommitInfo(sha, name, email, datetime.fromisoformat(date), subject, tuple(files))
