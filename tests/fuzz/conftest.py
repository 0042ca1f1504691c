"""The real `assistant serve` over the session's sample index, with settings of the test's choosing."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from tests.conftest import free_port, running_server


@dataclass(frozen=True)
class Served:
    """A running server: its base URL and the file its stdout and stderr go to."""

    base: str
    log: Path

    def log_records(self) -> list[dict]:
        """Every line of the server's output, parsed as JSON (a line that is not JSON fails the parse).

        Lines end at "\n" only: a JSON string may hold U+0085 or U+2028 unescaped, which str.splitlines() breaks at.
        """
        text = self.log.read_text(encoding="utf-8")
        return [json.loads(line) for line in text.split("\n") if line.strip()]


@contextmanager
def serve(index: Path, workdir: Path, **settings: object) -> Iterator[Served]:
    """`assistant serve --index index` on a free loopback port, ASSISTANT_<NAME>=value for each setting.

    `running_server` starts it with the ASSISTANT_* variables removed from the environment and `workdir` as its
    current directory, so the settings go in `workdir/.env`, which Settings reads from there.
    """
    lines = [f"ASSISTANT_{name.upper()}={value}" for name, value in settings.items()]
    (workdir / ".env").write_text("\n".join(lines) + "\n", encoding="utf-8")
    port = free_port()
    cmd = [sys.executable, "-m", "assistant.cli", "serve", "--host", "127.0.0.1", "--port", str(port)]
    cmd += ["--index", str(index)]
    base, log = f"http://127.0.0.1:{port}", workdir / "server.log"
    with running_server(cmd, f"{base}/healthz", log):
        yield Served(base, log)
