"""Chat models behind one small protocol; the backend is any OpenAI-compatible `/chat/completions` endpoint.

The official `openai` client does the HTTP with its own retries off: ours retry only what is worth retrying
(429, 503, a connection reset before the first token) and never past the caller's deadline, so a whole answer,
retries included, fits the time the caller gave it. Every failure becomes one of the `LLMError`s below, which
say how to fix it; a stream that breaks keeps the text it had already delivered in `partial`.
"""

from __future__ import annotations

import itertools
import logging
import socket
import threading
import time
from collections.abc import Iterator
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


class ChatModel(Protocol):
    """Writes the assistant's reply to chat `messages`; `name` (backend + model) goes into logs and eval records."""

    name: str

    def complete(self, messages: list[dict[str, str]], *, deadline: float | None = None) -> str: ...

    def stream(self, messages: list[dict[str, str]], *, deadline: float | None = None) -> Iterator[str]: ...


class LLMError(UpstreamError):
    """The chat model failed; `partial` is the text a stream had already delivered ("" otherwise)."""

    code = "llm_error"

    def __init__(self, message_en: str, message_vi: str | None = None, partial: str = "") -> None:
        super().__init__(message_en, message_vi)
        self.partial = partial


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
                return self._text(self._create(messages, deadline, stream=False))
            except openai.OpenAIError as exc:
                self._pause_or_raise(exc, attempt, deadline)
            except ValueError as exc:  # the client lets a body that is not JSON through as JSONDecodeError
                raise self._bad(f"invalid JSON: {exc}") from exc
            attempt += 1

    def stream(self, messages: list[dict[str, str]], *, deadline: float | None = None) -> Iterator[str]:
        """The reply's text as it is written; closing the generator closes the connection (the server stops)."""
        import openai

        deadline = self._deadline(deadline)
        for attempt in itertools.count():
            sent: list[str] = []
            try:
                with self._create(messages, deadline, stream=True) as chunks:
                    for delta in _deltas(chunks):
                        if time.monotonic() > deadline:
                            raise self._timed_out(partial="".join(sent))
                        sent.append(delta)
                        yield delta
            except openai.OpenAIError as exc:
                if sent:
                    raise self._error(exc, partial="".join(sent)) from exc
                self._pause_or_raise(exc, attempt, deadline)
                continue
            except ValueError as exc:
                raise self._bad(f"invalid JSON in the stream: {exc}", partial="".join(sent)) from exc
            if not sent:
                raise self._bad("the stream carried no text")
            return

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
        return self._openai().chat.completions.create(
            model=self.model,
            messages=messages,  # type: ignore[arg-type]  # plain role/content dicts
            max_tokens=self.max_tokens,
            temperature=self.temperature,
            stream=stream,
            timeout=min(self.timeout, left),
        )

    def _text(self, completion: Any) -> str:
        choices = getattr(completion, "choices", None)
        if not choices:
            raise self._bad("no choices in the reply")
        if getattr(choices[0], "finish_reason", None) == "length":
            logger.warning("%s: reply cut at max_tokens=%d", self.name, self.max_tokens)
        content = getattr(getattr(choices[0], "message", None), "content", None)
        if not isinstance(content, str) or not content.strip():
            raise self._bad("empty content")
        return content

    def _pause_or_raise(self, exc: openai.OpenAIError, attempt: int, deadline: float) -> None:
        """Sleep before retrying after `exc`, or raise its domain error when no retry is allowed or could finish."""
        if attempt >= self.retries or not _retryable(exc):
            raise self._error(exc, attempts=attempt + 1) from exc
        wait = _backoff(exc, attempt)
        if wait is None or time.monotonic() + wait + MIN_ATTEMPT > deadline:
            raise self._error(exc, attempts=attempt + 1, note=" (no retry: it could not finish in time)") from exc
        logger.warning("%s: %s; retry %d of %d in %.2f s", self.name, exc, attempt + 1, self.retries, wait)
        time.sleep(wait)

    def _error(self, exc: openai.OpenAIError, partial: str = "", attempts: int = 1, note: str = "") -> LLMError:
        import openai

        where = f"{self.model!r} at {self.base_url}"
        if isinstance(exc, openai.APITimeoutError):
            return self._timed_out(partial)
        if isinstance(exc, openai.APIConnectionError) and partial:
            return self._bad(f"the stream broke ({_cause(exc)})", partial)
        if isinstance(exc, openai.APIConnectionError):
            return LLMUnavailable(
                f"Cannot reach the language model {where} ({_cause(exc)}){note}: check that the server is "
                "running and ASSISTANT_LLM_BASE_URL is right.",
                f"Không kết nối được mô hình ngôn ngữ tại {self.base_url}: hãy kiểm tra máy chủ đang chạy và "
                "ASSISTANT_LLM_BASE_URL đúng.",
            )
        if isinstance(exc, openai.APIStatusError) and (exc.status_code == 429 or exc.status_code >= 500):
            return LLMUnavailable(
                f"The language model {where} answered HTTP {exc.status_code} after {attempts} attempt(s){note}: "
                f"{exc.message}. It is overloaded or failing: try again later or check the server's log.",
                f"Mô hình ngôn ngữ tại {self.base_url} đang quá tải hoặc gặp lỗi (HTTP {exc.status_code}): "
                "hãy thử lại sau ít phút hoặc kiểm tra nhật ký của máy chủ.",
            )
        if isinstance(exc, openai.APIStatusError):
            return LLMRejected(
                f"The language model endpoint {self.base_url} refused the request with HTTP {exc.status_code}: "
                f"{exc.message}. Check ASSISTANT_LLM_MODEL ({self.model!r}), ASSISTANT_LLM_API_KEY and "
                "ASSISTANT_LLM_MAX_TOKENS.",
                f"Máy chủ mô hình ngôn ngữ {self.base_url} từ chối yêu cầu (HTTP {exc.status_code}): hãy kiểm tra "
                "ASSISTANT_LLM_MODEL, ASSISTANT_LLM_API_KEY và ASSISTANT_LLM_MAX_TOKENS.",
            )
        return self._bad(str(exc), partial)

    def _timed_out(self, partial: str = "") -> LLMTimeout:
        return LLMTimeout(
            f"The language model {self.model!r} at {self.base_url} did not answer in time (ASSISTANT_LLM_TIMEOUT "
            f"is {self.timeout:g} s): try again, or raise ASSISTANT_LLM_TIMEOUT if the server is just slow.",
            f"Mô hình ngôn ngữ không phản hồi kịp (giới hạn {self.timeout:g} giây): hãy thử lại, hoặc tăng "
            "ASSISTANT_LLM_TIMEOUT nếu máy chủ chạy chậm.",
            partial,
        )

    def _bad(self, detail: str, partial: str = "") -> LLMBadResponse:
        return LLMBadResponse(
            f"The language model {self.model!r} at {self.base_url} sent an unusable reply ({detail}): check that "
            "the server speaks OpenAI's chat-completions API and look at its log.",
            f"Mô hình ngôn ngữ tại {self.base_url} trả về phản hồi không dùng được: hãy kiểm tra máy chủ tương thích "
            "API chat completions của OpenAI và xem nhật ký của máy chủ.",
            partial,
        )


def _deltas(chunks: Any) -> Iterator[str]:
    """The non-empty content deltas of a chunk stream (role-only, usage-only and empty chunks skipped)."""
    for chunk in chunks:
        choices = getattr(chunk, "choices", None)
        if not choices:
            continue
        content = getattr(getattr(choices[0], "delta", None), "content", None)
        if isinstance(content, str) and content:
            yield content


def _retryable(exc: openai.OpenAIError) -> bool:
    import openai

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


def _backoff(exc: openai.OpenAIError, attempt: int) -> float | None:
    """The server's Retry-After when it sent one, else 0.5 s, 1 s, 2 s...; None when it asks for too long."""
    retry_after = _retry_after(exc)
    if retry_after is None:
        return FIRST_BACKOFF * 2**attempt
    return retry_after if retry_after <= MAX_RETRY_AFTER else None


def _retry_after(exc: openai.OpenAIError) -> float | None:
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
