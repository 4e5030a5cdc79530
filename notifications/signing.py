"""Signing outbound requests and redacting URLs before they are recorded.

``X-Converge-Signature: sha256=<HMAC(secret, body)>`` is the legacy signature;
``X-Converge-Signature-V2: sha256=<HMAC(secret, "<timestamp>.<body>")>`` with
``X-Converge-Timestamp`` lets receivers refuse replays.
"""

from __future__ import annotations

import hashlib
import hmac
from urllib.parse import urlsplit, urlunsplit


def _hmac(secret: str, message: bytes) -> str:
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def signature_headers(body: bytes, *, secret: str, timestamp: int) -> dict[str, str]:
    headers = {"X-Converge-Timestamp": str(timestamp)}
    if secret:
        headers["X-Converge-Signature"] = "sha256=" + _hmac(secret, body)
        signed = str(timestamp).encode() + b"." + body
        headers["X-Converge-Signature-V2"] = "sha256=" + _hmac(secret, signed)
    return headers


def redact_url(url: str) -> str:
    """The URL without credentials, query string or fragment (webhook URLs embed tokens)."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if parts.port:
        host = f"{host}:{parts.port}"
    if parts.username or parts.password:
        host = f"***@{host}"
    query = "***" if parts.query else ""
    return urlunsplit((parts.scheme, host, parts.path, query, ""))
