"""Ingest jobs of the admin API: queued in the serving process, run one at a time in a child process, and
recorded as one JSON file each, which every worker process of the server reads.

FastAPI-free, and free of `ingest/` too: the child is a command the caller gives (the shell's
`python -m assistant.api.ingest_worker`). A child process keeps a parser's memory, or its crash, out of the
server. It prints JSON lines on stdout: {"event": "progress", "done": n, "total": m} while it embeds, then
{"event": "summary", "summary": {...}} or {"event": "error", "message": vi, "message_en": en}. Its exit code
says how it went: 0 done; EXIT_BUSY another writer holds the index's lock (the job waits and tries again);
anything else failed, the error event or the last lines of its stderr saying why.
"""

from __future__ import annotations

import json
import logging
import os
import queue
import re
import secrets
import subprocess
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from pydantic import SecretStr

from core.config import Settings
from core.errors import EXIT_BUSY
from core.index.layout import write_json_atomic

logger = logging.getLogger(__name__)

JobKind = Literal["upload", "delete", "ingest", "rebuild"]
JobState = Literal["queued", "running", "done", "failed"]
JOB_ID = re.compile(r"[0-9]{14}-[0-9a-f]{6}")
KEPT_JOBS = 200  # job files kept; the oldest finished ones go first
SAVE_EVERY = 0.5  # seconds between writes of a running job's progress
STDERR_LINES = 20  # the child's last stderr lines kept to explain a failure
# Settings the child must not get: it ingests, it needs no admin, client or chat-model secret.
CHILD_EXCLUDED = {"admin_keys", "admin_token", "client_keys", "llm_api_key"}


def utc_now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


@dataclass
class Job:
    """One ingest run asked for by an admin, from `queued` to `done` or `failed`."""

    id: str
    kind: JobKind
    state: JobState = "queued"
    files: list[str] = field(default_factory=list)  # the files uploaded or deleted
    created: str = field(default_factory=utc_now)
    started: str | None = None
    finished: str | None = None
    done: int = 0  # chunks embedded so far
    total: int = 0  # chunks to embed in this run (known once the documents are read)
    summary: dict[str, Any] | None = None  # the ingest summary: added, updated, removed, skipped [{source, reason}]
    message: str | None = None  # Vietnamese: why it failed, or what it waits for
    message_en: str | None = None
    generation: int | None = None  # the index generation served once it finished
    pid: int = field(default_factory=os.getpid)  # the server process that runs it

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def new_job_id() -> str:
    """Sortable by creation: UTC time to the second, then 6 random hex digits."""
    return f"{datetime.now(UTC):%Y%m%d%H%M%S}-{secrets.token_hex(3)}"


class JobStore:
    """Jobs as JSON files in one directory, written atomically; readable by every process of the server."""

    def __init__(self, directory: Path, keep: int = KEPT_JOBS) -> None:
        self.directory = directory
        self.keep = keep

    def save(self, job: Job) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        write_json_atomic(self.directory / f"{job.id}.json", job.to_dict())

    def get(self, job_id: str) -> Job | None:
        """The job, or None for an unknown or malformed id (an id never names a path outside the directory)."""
        if not JOB_ID.fullmatch(job_id):
            return None
        return self._read(self.directory / f"{job_id}.json")

    def latest(self, limit: int = 50) -> list[Job]:
        """The newest jobs first."""
        jobs = (self._read(path) for path in sorted(self._paths(), reverse=True)[:limit])
        return [job for job in jobs if job is not None]

    def prune(self) -> None:
        """Forget the oldest finished jobs beyond `keep`."""
        paths = sorted(self._paths(), reverse=True)
        for path in paths[self.keep :]:
            job = self._read(path)
            if job is not None and job.state in ("done", "failed"):
                path.unlink(missing_ok=True)

    def _paths(self) -> list[Path]:
        if not self.directory.is_dir():
            return []
        return [p for p in self.directory.glob("*.json") if JOB_ID.fullmatch(p.stem)]

    def _read(self, path: Path) -> Job | None:
        try:
            job = Job(**json.loads(path.read_text(encoding="utf-8")))
        except FileNotFoundError:
            return None
        if job.state in ("queued", "running") and not _alive(job.pid):
            job.state, job.finished = "failed", job.finished or utc_now()
            job.message = "Máy chủ chạy tác vụ này đã dừng trước khi tác vụ xong — hãy chạy lại."
            job.message_en = (
                f"The server process that ran this job (pid {job.pid}) stopped before it finished: run it again."
            )
        return job


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, owned by another user
        return True
    return True


def settings_env(settings: Settings, base: dict[str, str] | None = None) -> dict[str, str]:
    """An environment that gives a child process exactly these settings (as ASSISTANT_* variables, which win over
    a .env file), without the secrets it does not need; `base` (default: this process's) without ASSISTANT_*."""
    env = {k: v for k, v in (os.environ if base is None else base).items() if not k.startswith("ASSISTANT_")}
    for name, value in settings:
        if value is None or name in CHILD_EXCLUDED:
            continue
        env[f"ASSISTANT_{name.upper()}"] = _env_value(value)
    return env


def _env_value(value: object) -> str:
    if isinstance(value, SecretStr):
        return value.get_secret_value()
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return json.dumps([_env_value(v) if isinstance(v, SecretStr) else v for v in value], ensure_ascii=False)
    return str(value)


class JobRunner:
    """Runs submitted jobs one after another in a thread of its own, each as a child process.

    `command(job)` is the child's argument list; `after(job)` runs once a child succeeded, before the job is
    marked done (the server opens the new index there, so a job that is done is being served).
    """

    def __init__(
        self,
        store: JobStore,
        command: Callable[[Job], list[str]],
        env: dict[str, str],
        timeout: float,
        after: Callable[[Job], None] | None = None,
        busy_retry: float = 2.0,
        busy_timeout: float = 600.0,
    ) -> None:
        self.store, self.command, self.env, self.timeout = store, command, env, timeout
        self.after = after
        self.busy_retry, self.busy_timeout = busy_retry, busy_timeout
        self.current: Job | None = None  # the job running now (for metrics)
        self._queue: queue.Queue[Job | None] = queue.Queue()
        self._child: subprocess.Popen[str] | None = None
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def submit(self, kind: JobKind, files: Iterable[str] = ()) -> Job:
        """Queue a job; it runs after those queued before it."""
        job = Job(id=new_job_id(), kind=kind, files=list(files))
        self.store.save(job)
        with self._lock:
            if self._thread is None:
                self._thread = threading.Thread(target=self._work, name="ingest-jobs", daemon=True)
                self._thread.start()
        self._queue.put(job)
        logger.info("job %s queued: %s %s", job.id, kind, job.files)
        return job

    def close(self, timeout: float = 10.0) -> None:
        """Stop: the running child is terminated (ingestion is crash-safe) and its job marked failed."""
        self._stopping.set()
        self._queue.put(None)
        child = self._child
        if child is not None and child.poll() is None:
            child.terminate()
        if self._thread is not None:
            self._thread.join(timeout)

    def _work(self) -> None:
        while not self._stopping.is_set():
            job = self._queue.get()
            if job is None:
                break
            self.current = job
            try:
                self._run(job)
            except Exception as exc:  # e.g. the child could not start: this job fails, the queue goes on
                logger.exception("job %s could not run", job.id)
                self._fail(job, f"Không chạy được tác vụ: {exc}", f"The job could not run: {type(exc).__name__}: {exc}")
            finally:
                self.current = None
        while True:  # what is still queued will not run: say so
            try:
                left = self._queue.get_nowait()
            except queue.Empty:
                return
            if left is not None:
                self._fail(
                    left, "Máy chủ đã dừng trước khi chạy tác vụ này.", "The server stopped before this job ran."
                )

    def _run(self, job: Job) -> None:
        job.state, job.started = "running", utc_now()
        self.store.save(job)
        waited_since = time.monotonic()
        while True:
            code, stderr = self._child_run(job)
            if code != EXIT_BUSY or self._stopping.is_set() or time.monotonic() - waited_since > self.busy_timeout:
                break
            job.message = "Đang chờ một lượt nạp tài liệu khác ghi xong chỉ mục…"
            job.message_en = "Waiting for another ingest to finish writing the index."
            self.store.save(job)
            self._stopping.wait(self.busy_retry)
        if code == 0 and job.summary is not None:
            self._succeed(job)
        elif job.message_en:  # the child's own error (e.g. the index still busy), or the timeout
            self._fail(job, job.message or job.message_en, job.message_en)
        else:  # a crash: its traceback's last lines
            tail = " | ".join(stderr) or f"exit code {code}"
            self._fail(job, f"Nạp tài liệu thất bại: {tail}", f"Ingest failed: {tail}")
        self.store.prune()

    def _succeed(self, job: Job) -> None:
        job.message = job.message_en = None
        if self.after is not None:
            try:
                self.after(job)
            except Exception:  # the index is committed whatever happened here; the server reloads it later
                logger.exception("job %s: opening the new index failed", job.id)
        job.state, job.finished = "done", utc_now()
        self.store.save(job)
        logger.info("job %s done: %s", job.id, job.summary)

    def _fail(self, job: Job, message: str, message_en: str) -> None:
        job.state, job.finished, job.message, job.message_en = "failed", utc_now(), message, message_en
        self.store.save(job)
        logger.warning("job %s failed: %s", job.id, message_en)

    def _child_run(self, job: Job) -> tuple[int, list[str]]:
        """Run the child to its end (or the timeout); its exit code and its last stderr lines."""
        job.message = job.message_en = None
        if self._stopping.is_set():
            job.message_en, job.message = "The server stopped during this job.", "Máy chủ đã dừng khi đang chạy tác vụ."
            return -1, []
        child = subprocess.Popen(
            self.command(job),
            env=self.env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            encoding="utf-8",
            errors="replace",
        )
        self._child = child
        stderr: deque[str] = deque(maxlen=STDERR_LINES)
        reader = threading.Thread(target=_drain, args=(child.stderr, stderr), daemon=True)
        reader.start()
        timer = threading.Timer(self.timeout, child.kill)
        timer.start()
        try:
            self._follow(job, child)
            code = child.wait()
        finally:
            timer.cancel()
            reader.join(5)
            self._child = None
        if code < 0 and not self._stopping.is_set():
            job.message_en = f"Ingest stopped after {self.timeout:.0f} s (ASSISTANT_ADMIN_JOB_TIMEOUT) or was killed."
            job.message = (
                f"Nạp tài liệu bị dừng sau {self.timeout:.0f} giây (ASSISTANT_ADMIN_JOB_TIMEOUT) hoặc bị ngắt."
            )
        elif code < 0:
            job.message_en, job.message = "The server stopped during this job.", "Máy chủ đã dừng khi đang chạy tác vụ."
        return code, list(stderr)

    def _follow(self, job: Job, child: subprocess.Popen[str]) -> None:
        """Read the child's JSON lines into the job, saving its progress at most every SAVE_EVERY seconds."""
        assert child.stdout is not None
        saved = 0.0
        for line in child.stdout:
            try:
                event = json.loads(line)
            except json.JSONDecodeError:
                continue  # a library printing on stdout: not ours
            kind = event.get("event") if isinstance(event, dict) else None
            if kind == "progress":
                job.done, job.total = int(event.get("done", 0)), int(event.get("total", 0))
                if time.monotonic() - saved >= SAVE_EVERY:
                    self.store.save(job)
                    saved = time.monotonic()
            elif kind == "summary":
                job.summary = event.get("summary")
            elif kind == "error":
                job.message, job.message_en = str(event.get("message", "")), str(event.get("message_en", ""))


def _drain(stream: Any, lines: deque[str]) -> None:
    for line in stream:
        if line.strip():
            lines.append(line.strip()[:500])
