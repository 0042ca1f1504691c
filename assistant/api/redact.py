"""Text for anonymous clients: internal addresses (the model's or embedder's URL, host:port, IPs) taken out.

Errors and warnings are written for operators and name the endpoint that failed; a client of the public API
learns only that it failed. The server log keeps the full text.
"""

from __future__ import annotations

import re

URL = re.compile(r"\b[a-z][a-z0-9+.-]*://[^\s'\"<>()\[\]]*(?:\[[0-9a-f:.]+\][^\s'\"<>()]*)?", re.IGNORECASE)
HOST_PORT = re.compile(r"(?<![\w.-])(?:\[[0-9a-f:.]+\]|localhost|[a-z0-9-]+(?:\.[a-z0-9-]+)+):\d{1,5}\b", re.IGNORECASE)
IPV4 = re.compile(r"(?<![\w.])(?:\d{1,3}\.){3}\d{1,3}(?![\w.])")
HIDDEN = "<internal>"


def redact(text: str) -> str:
    """`text` without URLs, host:port pairs or IPv4 addresses (each becomes "<internal>")."""
    text = URL.sub(HIDDEN, text)
    text = HOST_PORT.sub(HIDDEN, text)
    return IPV4.sub(HIDDEN, text)


def redact_all(texts: list[str]) -> list[str]:
    return [redact(text) for text in texts]
