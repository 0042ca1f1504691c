"""Chat models behind one small protocol; the backend is any OpenAI-compatible `/chat/completions` endpoint.

The official `openai` client does the HTTP with its own retries off: ours retry only what is worth retrying
(429, 503, a connection reset before the first token) and never past the caller's deadline, so a whole answer,
retries included, fits the time the caller gave it. The reply's body is read in a worker thread and handed over
piece by piece, so the deadline holds whatever the server does (a body that never ends because it ignores
`max_tokens`, keep-alive comments, a trickle of bytes); a reply longer than `max_tokens` allows is cut off too.
A stream is complete only with its `[DONE]`. Every failure becomes one of the `LLMError`s below, which say how
to fix it; a stream that breaks keeps the text it had already delivered in `partial`.
"""

from __future__ import annotations

import itertools
import json
import logging
import queue
import socket
import threading
import time
from collections.abc import Generator, Iterator
from contextlib import closing
from typing import TYPE_CHECKING, Any, Protocol

from core.config import Settings
from core.errors import UpstreamError, UserInputError
from core.openai_client import DEFAULT_BASE_URL, openai_client

if TYPE_CHECKING:
    import openai  # annotations only: the package loads when a client is first built

logger = logging.getLogger(__name__)

RETRY_STATUSES = frozenset({429, 503})
FIRST_BACKOFF = 0.5  # seconds before the first retry, doubled for each next one
MAX_RETRY_AFTER = 10.0  # a server asking for a longer pause is not retried: the user is waiting
MIN_ATTEMPT = 0.5  # a retry left with less time than this before the deadline could not finish
CHARS_PER_TOKEN = 8  # a reply longer than max_tokens × this (+ SLACK_CHARS) ignores max_tokens: it is cut off
SLACK_CHARS = 200
BYTES_PER_CHAR = 300  # the body may carry this much per allowed character (one SSE chunk per token is ~250 B)


class ChatModel(Protocol):
    """Writes the assistant's reply to chat `messages`; `name` (backend + model) goes into logs and eval records."""

    name: str

    def complete(self, messages: list[dict[str, str]], *, deadline: float | None = None) -> str: ...

    def stream(self, messages: list[dict[str, str]], *, deadline: float | None = None) -> Iterator[str]: ...


class LLMError(UpstreamError):
    """The chat model failed; `partial` is the text a stream had already delivered ("" otherwise).

    `reason` says what failed in a few words, without the server's address: for an answer's `warnings`.
    """

    code = "llm_error"

    def __init__(self, message_en: str, message_vi: str | None = None, partial: str = "", reason: str = "") -> None:
        super().__init__(message_en, message_vi)
        self.partial = partial
        self.reason = reason or self.code


class LLMTimeout(LLMError):
    status = 504
    code = "llm_timeout"


class LLMUnavailable(LLMError):
    """Not reachable, overloaded (429/503 after the retries) or failing (5xx)."""

    status = 503
    code = "llm_unavailable"


class LLMBadResponse(LLMError):
    """Invalid JSON, no choices, empty content, or a stream that broke mid-way."""

    code = "llm_bad_response"


class LLMRejected(LLMError):
    """The endpoint refused the request itself (4xx other than 429): wrong model name, key or parameters."""

    code = "llm_rejected"


class OpenAIChatModel:
    """Any OpenAI-compatible chat endpoint (OpenAI, vLLM, llama.cpp's llama-server, Ollama...).

    An empty `base_url` means OpenAI's own; local servers ignore the key.
    `timeout` is also the default deadline of a call; `retries` is the most retries a call may make.
    """

    def __init__(
        self,
        base_url: str,
        model: str,
        api_key: str,
        timeout: float = 30.0,
        max_tokens: int = 700,
        temperature: float = 0.1,
        retries: int = 2,
    ) -> None:
        if not model:
            raise UserInputError(
                "No chat model named: set ASSISTANT_LLM_MODEL to the model name the server expects.",
                "Chưa đặt tên mô hình ngôn ngữ: hãy đặt ASSISTANT_LLM_MODEL đúng tên mô hình máy chủ phục vụ.",
            )
        self.base_url = (base_url or DEFAULT_BASE_URL).rstrip("/")
        self.model = model
        self.name = f"openai:{self.base_url}:{model}"
        self.timeout = timeout
        self.max_tokens = max_tokens
        self.temperature = temperature
        self.retries = retries
        self._api_key = api_key
        self._client: openai.OpenAI | None = None
        self._lock = threading.Lock()
        self._probed: tuple[float, str | None] = (-float("inf"), None)

    def complete(self, messages: list[dict[str, str]], *, deadline: float | None = None) -> str:
        """The whole reply, by `deadline` (a time.monotonic() value; default now + timeout)."""
        import openai

        deadline = self._deadline(deadline)
        attempt = 0
        while True:
            try:
                return self._text(json.loads(b"".join(self._receive(messages, deadline, stream=False))))
            except (openai.OpenAIError, _Broken) as exc:
                self._pause_or_raise(exc, attempt, deadline)
            except ValueError as exc:  # not JSON
                raise self._bad(f"invalid JSON: {exc}") from exc
            attempt += 1

    def stream(self, messages: list[dict[str, str]], *, deadline: float | None = None) -> Iterator[str]:
        """The reply's text as it is written; closing the generator closes the connection (the server stops)."""
        import openai

        deadline = self._deadline(deadline)
        for attempt in itertools.count():
            sent: list[str] = []
            try:
                with closing(self._receive(messages, deadline, stream=True)) as body:
                    for delta in _sse_deltas(body):
                        if sum(map(len, sent)) + len(delta) > self._max_chars:
                            raise self._bad(f"the reply ran past {self._max_chars} characters")
                        sent.append(delta)
                        yield delta
            except (openai.OpenAIError, _Broken) as exc:
                if sent:
                    raise self._error(exc, partial="".join(sent)) from exc
                self._pause_or_raise(exc, attempt, deadline)
                continue
            except _NoDone as exc:
                raise self._bad("the stream ended without [DONE]", "".join(sent)) from exc
            except LLMError as exc:
                exc.partial = exc.partial or "".join(sent)
                raise
            except ValueError as exc:
                raise self._bad(f"invalid JSON in the stream: {exc}", partial="".join(sent)) from exc
            if not sent:
                raise self._bad("the stream carried no text")
            return

    @property
    def _max_chars(self) -> int:
        return self.max_tokens * CHARS_PER_TOKEN + SLACK_CHARS

    def _receive(self, messages: list[dict[str, str]], deadline: float, stream: bool) -> Generator[bytes, None, None]:
        """The reply body's bytes as they arrive, by `deadline`, at most BYTES_PER_CHAR per allowed character.

        A worker thread makes the request and reads; this side waits on it no longer than the deadline, so neither
        a body that never ends nor a stalled socket keeps the caller. Leaving (deadline, error, close) tells the
        worker to close the connection; a worker stuck in a read leaves within the request's own timeout.
        """
        box: queue.Queue[tuple[str, Any]] = queue.Queue()
        stop = threading.Event()
        threading.Thread(target=self._read, args=(messages, deadline, stream, box, stop), daemon=True).start()
        limit, received = self._max_chars * BYTES_PER_CHAR, 0
        try:
            while True:
                try:
                    kind, item = box.get(timeout=max(0.0, deadline - time.monotonic()))
                except queue.Empty:
                    raise self._timed_out() from None
                if kind == "error":
                    raise item
                if kind == "end":
                    return
                received += len(item)
                if received > limit:
                    raise self._bad(f"the reply ran past {limit} bytes")
                yield item
        finally:
            stop.set()

    def _read(
        self,
        messages: list[dict[str, str]],
        deadline: float,
        stream: bool,
        box: queue.Queue[tuple[str, Any]],
        stop: threading.Event,
    ) -> None:
        """The worker: request, then hand over each piece of the body until its end or until told to stop."""
        try:
            with self._create(messages, deadline, stream) as response:
                for piece in response.iter_bytes():
                    if stop.is_set():
                        return
                    box.put(("bytes", piece))
            box.put(("end", None))
        except Exception as exc:  # handed to the caller, which raises it (or has left)
            box.put(("error", exc if isinstance(exc, LLMError) or _is_openai(exc) else _Broken(exc)))

    def probe(self, timeout: float = 3.0, max_age: float = 30.0) -> str | None:
        """None when the endpoint answers a model listing; otherwise what went wrong, for /healthz.

        The result is kept for `max_age` seconds, so a monitor polling /healthz does not hit the model server.
        """
        checked, error = self._probed
        if time.monotonic() - checked <= max_age:
            return error
        try:
            self._openai().models.list(timeout=timeout)
            error = None
        except Exception as exc:  # any failure is the answer to "does it answer?"; reported, not raised
            error = f"{type(exc).__name__}: {_cause(exc)}"
        self._probed = (time.monotonic(), error)
        return error

    def _openai(self) -> openai.OpenAI:
        with self._lock:
            if self._client is None:
                # max_retries=0: the retries are ours, within the caller's deadline.
                self._client = openai_client(self.base_url, self._api_key, self.timeout, max_retries=0)
            return self._client

    def _deadline(self, deadline: float | None) -> float:
        return time.monotonic() + self.timeout if deadline is None else deadline

    def _create(self, messages: list[dict[str, str]], deadline: float, stream: bool) -> Any:
        left = deadline - time.monotonic()
        if left <= 0:
            raise self._timed_out()
        return self._openai().chat.completions.with_streaming_response.create(
            model=self.model,
            messages=messages,  # type: ignore[arg-type]  # plain role/content dicts
            max_tokens=self.max_tokens,
            temperature=self.temperature,
            stream=stream,
            timeout=min(self.timeout, left),
        )

    def _text(self, completion: Any) -> str:
        choices = completion.get("choices") if isinstance(completion, dict) else None
        if not choices or not isinstance(choices[0], dict):
            raise self._bad("no choices in the reply")
        if choices[0].get("finish_reason") == "length":
            logger.warning("%s: reply cut at max_tokens=%d", self.name, self.max_tokens)
        content = (choices[0].get("message") or {}).get("content")
        if not isinstance(content, str) or not content.strip():
            raise self._bad("empty content")
        if len(content) > self._max_chars:
            raise self._bad(f"the reply ran past {self._max_chars} characters")
        return content

    def _pause_or_raise(self, exc: openai.OpenAIError | _Broken, attempt: int, deadline: float) -> None:
        """Sleep before retrying after `exc`, or raise its domain error when no retry is allowed or could finish."""
        if attempt >= self.retries or not _retryable(exc):
            raise self._error(exc, attempts=attempt + 1) from exc
        wait = _backoff(exc, attempt)
        if wait is None or time.monotonic() + wait + MIN_ATTEMPT > deadline:
            raise self._error(exc, attempts=attempt + 1, note=" (no retry: it could not finish in time)") from exc
        logger.warning("%s: %s; retry %d of %d in %.2f s", self.name, exc, attempt + 1, self.retries, wait)
        time.sleep(wait)

    def _error(
        self, exc: openai.OpenAIError | _Broken, partial: str = "", attempts: int = 1, note: str = ""
    ) -> LLMError:
        import openai

        where = f"{self.model!r} at {self.base_url}"
        if isinstance(exc, openai.APITimeoutError) or (isinstance(exc, _Broken) and exc.timed_out):
            return self._timed_out(partial)
        if isinstance(exc, _Broken):
            return self._bad(f"the {'stream' if partial else 'reply'} broke ({_cause(exc)})", partial)
        if isinstance(exc, openai.APIConnectionError) and partial:
            return self._bad(f"the stream broke ({_cause(exc)})", partial)
        if isinstance(exc, openai.APIConnectionError):
            return LLMUnavailable(
                f"Cannot reach the language model {where} ({_cause(exc)}){note}: check that the server is "
                "running and ASSISTANT_LLM_BASE_URL is right.",
                f"Không kết nối được mô hình ngôn ngữ tại {self.base_url}: hãy kiểm tra máy chủ đang chạy và "
                "ASSISTANT_LLM_BASE_URL đúng.",
                reason="unreachable",
            )
        if isinstance(exc, openai.APIStatusError) and (exc.status_code == 429 or exc.status_code >= 500):
            return LLMUnavailable(
                f"The language model {where} answered HTTP {exc.status_code} after {attempts} attempt(s){note}: "
                f"{exc.message}. It is overloaded or failing: try again later or check the server's log.",
                f"Mô hình ngôn ngữ tại {self.base_url} đang quá tải hoặc gặp lỗi (HTTP {exc.status_code}): "
                "hãy thử lại sau ít phút hoặc kiểm tra nhật ký của máy chủ.",
                reason=f"unavailable (HTTP {exc.status_code})",
            )
        if isinstance(exc, openai.APIStatusError):
            return LLMRejected(
                f"The language model endpoint {self.base_url} refused the request with HTTP {exc.status_code}: "
                f"{exc.message}. Check ASSISTANT_LLM_MODEL ({self.model!r}), ASSISTANT_LLM_API_KEY and "
                "ASSISTANT_LLM_MAX_TOKENS.",
                f"Máy chủ mô hình ngôn ngữ {self.base_url} từ chối yêu cầu (HTTP {exc.status_code}): hãy kiểm tra "
                "ASSISTANT_LLM_MODEL, ASSISTANT_LLM_API_KEY và ASSISTANT_LLM_MAX_TOKENS.",
                reason=f"rejected (HTTP {exc.status_code})",
            )
        return self._bad(str(exc), partial)

    def _timed_out(self, partial: str = "") -> LLMTimeout:
        return LLMTimeout(
            f"The language model {self.model!r} at {self.base_url} did not answer in time (ASSISTANT_LLM_TIMEOUT "
            f"is {self.timeout:g} s): try again, or raise ASSISTANT_LLM_TIMEOUT if the server is just slow.",
            f"Mô hình ngôn ngữ không phản hồi kịp (giới hạn {self.timeout:g} giây): hãy thử lại, hoặc tăng "
            "ASSISTANT_LLM_TIMEOUT nếu máy chủ chạy chậm.",
            partial,
            reason=f"timed out ({self.timeout:g} s)",
        )

    def _bad(self, detail: str, partial: str = "") -> LLMBadResponse:
        return LLMBadResponse(
            f"The language model {self.model!r} at {self.base_url} sent an unusable reply ({detail}): check that "
            "the server speaks OpenAI's chat-completions API and look at its log.",
            f"Mô hình ngôn ngữ tại {self.base_url} trả về phản hồi không dùng được: hãy kiểm tra máy chủ tương thích "
            "API chat completions của OpenAI và xem nhật ký của máy chủ.",
            partial,
            reason=f"unusable reply ({detail})",
        )


class _Broken(Exception):
    """The connection failed while the body was being read (the transport's own error is the cause)."""

    def __init__(self, cause: BaseException) -> None:
        super().__init__(str(cause))
        self.__cause__ = cause
        self.timed_out = "Timeout" in type(cause).__name__


class _NoDone(Exception):
    """The body of a stream ended without its `data: [DONE]`: cut off on the way (a proxy, a crash)."""


def _is_openai(exc: BaseException) -> bool:
    import openai

    return isinstance(exc, openai.OpenAIError)


def _sse_deltas(body: Iterator[bytes]) -> Iterator[str]:
    """The non-empty content deltas of a chat-completions event stream; `_NoDone` when it ends without [DONE].

    Comments (": keep-alive"), `event:` and blank lines are skipped; a `data:` line is one JSON chunk.
    """
    rest = b""
    for piece in body:
        *lines, rest = (rest + piece).split(b"\n")
        for line in lines:
            if not line.startswith(b"data:"):
                continue
            data = line[5:].strip()
            if data == b"[DONE]":
                return
            content = _content(json.loads(data))
            if content:
                yield content
    raise _NoDone


def _content(chunk: Any) -> str:
    """A chunk's text ("" for role-only, usage-only and empty chunks); a ValueError for an error event."""
    if not isinstance(chunk, dict):
        raise ValueError("a chunk is not a JSON object")
    if "error" in chunk:
        raise ValueError(f"an error event: {str(chunk['error'])[:200]}")
    choices = chunk.get("choices") or []
    delta = choices[0].get("delta") if choices and isinstance(choices[0], dict) else None
    content = delta.get("content") if isinstance(delta, dict) else None
    return content if isinstance(content, str) else ""


def _retryable(exc: openai.OpenAIError | _Broken) -> bool:
    import openai

    if isinstance(exc, _Broken):
        return not exc.timed_out  # a reset before any text was delivered is worth another try
    if isinstance(exc, openai.APIStatusError):
        return exc.status_code in RETRY_STATUSES
    if isinstance(exc, openai.APITimeoutError):
        return False  # the time is spent already
    # A reset before any reply is worth another try; a refused connection or unknown host is not.
    return isinstance(exc, openai.APIConnectionError) and not _connect_failed(exc)


def _connect_failed(exc: BaseException) -> bool:
    """True when no connection could be opened (refused, unknown host): retrying at once would not help."""
    seen: BaseException | None = exc
    for _ in range(10):  # a bounded walk down the chain of causes
        if seen is None:
            break
        # httpx2.ConnectError (the client's transport) or httpx.ConnectError, matched by name so that
        # this module does not depend on which one the installed client uses.
        if isinstance(seen, ConnectionRefusedError | socket.gaierror) or type(seen).__name__ == "ConnectError":
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def _backoff(exc: openai.OpenAIError | _Broken, attempt: int) -> float | None:
    """The server's Retry-After when it sent one, else 0.5 s, 1 s, 2 s...; None when it asks for too long."""
    retry_after = _retry_after(exc)
    if retry_after is None:
        return FIRST_BACKOFF * 2**attempt
    return retry_after if retry_after <= MAX_RETRY_AFTER else None


def _retry_after(exc: openai.OpenAIError | _Broken) -> float | None:
    headers = getattr(getattr(exc, "response", None), "headers", None) or {}
    for name, scale in (("retry-after-ms", 0.001), ("retry-after", 1.0)):
        try:
            return max(0.0, float(headers[name]) * scale)
        except (KeyError, ValueError):
            continue  # absent, or an HTTP date: the exponential backoff applies
    return None


def _cause(exc: BaseException) -> str:
    """The transport error under the client's generic "Connection error.", for messages and logs."""
    root = exc.__cause__ or exc
    return f"{type(root).__name__}: {root}"


def build_chat_model(settings: Settings) -> ChatModel | None:
    """The chat model the settings name, or None (extractive answers) when ASSISTANT_LLM_MODEL is empty."""
    if not settings.llm_model.strip():
        return None
    return OpenAIChatModel(
        settings.llm_base_url,
        settings.llm_model.strip(),
        settings.llm_api_key.get_secret_value() if settings.llm_api_key else "",
        timeout=settings.llm_timeout,
        max_tokens=settings.llm_max_tokens,
        temperature=settings.llm_temperature,
    )
