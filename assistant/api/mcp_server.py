"""The MCP face: the assistant's tools for agents, over stdio (`assistant mcp`) and streamable HTTP (`/mcp`).

Four tools with typed input and output schemas (pydantic models): `ask` (the /api/chat answer), `search_documents`
(the /api/search passages), `get_document` and `list_documents` (the /api/documents records). What each does is
`assistant.tool_face`, over the same pipeline as /api/chat; errors come back as tool errors (`isError`) in
Vietnamese and English, saying how to fix. See docs/MCP.md.

Built on the official SDK's low-level `Server`, not `MCPServer` (which derives schemas from signatures and calls
`logging.basicConfig` when built): the schemas are our pydantic models, which also validate the arguments, with
the API's Vietnamese field messages. The SDK is imported when a server is built, not with this module: importing
`mcp` takes ~0.45 s, which `import assistant.api.app` (every server start, every test) would otherwise pay.

Over HTTP the endpoint is stateless with JSON responses, so `assistant serve --workers N` and buffering proxies
work. Client keys (ASSISTANT_CLIENT_KEYS) are required as on /v1; Host is checked by the app (HostCheck), the
Origin header against the CORS allow-list; an answering tool takes the caller's /api/chat rate-limit token and an
in-flight slot. Each call answers from the index generation served at that moment (`LiveDeps.current`).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import re
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from functools import partial
from types import SimpleNamespace
from typing import TYPE_CHECKING, Annotated, Any

import anyio
from pydantic import BaseModel, BeforeValidator, Field, ValidationError
from starlette.datastructures import Headers
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from assistant import tool_face
from assistant.api import errors
from assistant.api.deps import current_deps, follow_index
from assistant.api.limits import ClientIdentity, InFlightLimiter, RateLimiter
from assistant.api.metrics import Metrics
from assistant.api.routes import public_answer
from assistant.api.schemas import (
    ChatResponse,
    DocumentDetail,
    DocumentList,
    DocumentSummary,
    FiltersModel,
    HistoryTurn,
    IdText,
    PassageModel,
    SearchResponse,
    Text,
)
from assistant.deps import Deps, LiveDeps
from assistant.openai_face import shown
from assistant.types import Filters
from core.config import Settings
from core.errors import (
    AssistantError,
    ForbiddenError,
    IndexMissingError,
    NotFoundError,
    UnauthorizedError,
    UserInputError,
)

if TYPE_CHECKING:  # annotations only: the SDK loads when a server is built
    from mcp import types
    from mcp.server.context import ServerRequestContext
    from mcp.server.lowlevel import Server

logger = logging.getLogger(__name__)

NAME, TITLE, VERSION = "tro-ly-nghi-quyet", "Trợ lý Nghị quyết", "0.1.0"
INSTRUCTIONS = (
    "Answers questions in Vietnamese about the resolutions, plans and meeting reports in its index, citing them. "
    "Prefer `ask` for a question; relay its [n] markers and sources, and when `refused` is true say that the "
    "documents do not answer. Use `search_documents`, `list_documents` and `get_document` to read the documents."
)
RPC_INVALID_REQUEST, RPC_INTERNAL_ERROR = -32600, -32603  # JSON-RPC error codes of the endpoint's own refusals


# --- arguments ----------------------------------------------------------------------------------------------------


def _json_text(value: object) -> object:
    """A list or object sent as its JSON text (some hosts do), read; anything else as it is."""
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


FILTERS_DOC = "restrict to some documents; list_documents shows the values (unknown ones are refused, naming them)"
OptionalFilters = Annotated[FiltersModel | None, BeforeValidator(_json_text), Field(description=FILTERS_DOC)]


class AskArguments(BaseModel):
    question: Text = Field(
        description="the question, in Vietnamese", examples=["Nghị quyết 57-NQ/TW ban hành ngày nào?"]
    )
    history: Annotated[list[HistoryTurn], BeforeValidator(_json_text)] = Field(
        default_factory=list,
        description="the conversation so far, oldest first (user questions and the answers given), for follow-ups",
    )
    filters: OptionalFilters = None


class SearchArguments(BaseModel):
    query: Text = Field(description="a question or keywords, in Vietnamese")
    k: int | None = Field(default=None, ge=1, le=50, description="passages wanted (default: the server's top_k)")
    filters: OptionalFilters = None


class DocumentArguments(BaseModel):
    id: IdText = Field(description="a document id, as list_documents, search_documents or ask's sources give it")


class ListArguments(BaseModel):
    filters: OptionalFilters = None


# --- the tools ----------------------------------------------------------------------------------------------------


def _filters(model: FiltersModel | None) -> Filters | None:
    return model.to_domain() if model is not None else None


def _ask(deps: Deps, args: AskArguments) -> tuple[str, ChatResponse]:
    history = [turn.model_dump() for turn in args.history]
    answer = public_answer(tool_face.ask(deps, args.question, history, _filters(args.filters)))
    return tool_face.answer_text(answer), ChatResponse.model_validate(answer)


def _search(deps: Deps, args: SearchArguments) -> tuple[str, SearchResponse]:
    passages = tool_face.search_documents(deps, args.query, args.k, _filters(args.filters))
    result = SearchResponse(query=args.query, results=[PassageModel.model_validate(p) for p in passages])
    return result.model_dump_json(), result


def _document(deps: Deps, args: DocumentArguments) -> tuple[str, DocumentDetail]:
    result = DocumentDetail.model_validate(tool_face.get_document(deps, args.id))
    return result.model_dump_json(), result


def _documents(deps: Deps, args: ListArguments) -> tuple[str, DocumentList]:
    found = tool_face.list_documents(deps, _filters(args.filters))
    result = DocumentList(documents=[DocumentSummary.model_validate(d) for d in found])
    return result.model_dump_json(), result


@dataclass(frozen=True)
class ToolSpec:
    name: str
    title: str  # shown to the civil servant by the host
    description: str  # read by the model
    arguments: type[BaseModel]
    output: type[BaseModel]
    run: Callable[[Deps, Any], tuple[str, BaseModel]]  # blocking: called in a worker thread
    answering: bool = False  # embeds a question: rate-limited and counted in flight as /api/chat is


TOOLS = {
    tool.name: tool
    for tool in (
        ToolSpec(
            "ask",
            "Hỏi đáp có trích dẫn",
            "Answer a question about the indexed resolutions, plans and meeting reports, from those documents only. "
            "`answer` carries [n] markers that refer to `sources` (their `n`); keep them when you relay it. "
            "`refused` is true when the documents do not answer: say so, do not answer from elsewhere. For a "
            "follow-up (e.g. 'Ai ký nghị quyết đó?'), pass the earlier turns in `history`.",
            AskArguments,
            ChatResponse,
            _ask,
            answering=True,
        ),
        ToolSpec(
            "search_documents",
            "Tìm đoạn văn bản liên quan",
            "Ranked passages of the documents for a query, without an answer: to read the evidence yourself or to "
            "find which documents speak of something. Each has its document id, title, numbers, date and section.",
            SearchArguments,
            SearchResponse,
            _search,
            answering=True,
        ),
        ToolSpec(
            "get_document",
            "Xem toàn văn tài liệu",
            "The cleaned full text and metadata (number, issuer, signer, dates, subject...) of one document, by id.",
            DocumentArguments,
            DocumentDetail,
            _document,
        ),
        ToolSpec(
            "list_documents",
            "Danh sách tài liệu",
            "The documents in the index with their metadata (id, title, kind, number, issuer, date, places...), "
            "optionally filtered by kinds, places, issuers, numbers, dates or ids.",
            ListArguments,
            DocumentList,
            _documents,
        ),
    )
}


class UnknownToolError(NotFoundError):
    code = "unknown_tool"

    def __init__(self, name: str) -> None:
        names = ", ".join(TOOLS)
        super().__init__(
            f"There is no tool `{shown(name)}`: call one of {names}.",
            f"Không có công cụ `{shown(name)}` — hãy dùng một trong các công cụ: {names}.",
        )


def invalid_arguments(tool: str, exc: ValidationError) -> UserInputError:
    """Bad arguments named field by field, in the API's Vietnamese words for pydantic's error types."""
    problems = exc.errors(include_url=False)
    named = problems[: errors.SHOWN_ERRORS]
    fields = [(errors.field_name(p["loc"]), str(p["type"]), p["msg"]) for p in named]
    vi = [f"Trường `{f}` {errors.VI_REASONS.get(kind, 'không hợp lệ')} ({msg})." for f, kind, msg in fields]
    en = [f"Field `{f}`: {msg}." for f, _, msg in fields]
    if len(problems) > len(named):
        vi.append(f"(và {len(problems) - len(named)} lỗi khác)")
        en.append(f"(and {len(problems) - len(named)} more)")
    return UserInputError(
        f"Invalid arguments for `{tool}`: " + " ".join(en),
        f"Tham số của công cụ `{tool}` không hợp lệ: " + " ".join(vi),
    )


class Limits:
    """No limits: one local user over stdio."""

    @asynccontextmanager
    async def answering(self, request: Any, question: str) -> AsyncIterator[None]:
        yield

    def observe(self, answer: Mapping[str, Any]) -> None:
        """An answer given (for metrics)."""


class Toolbox:
    """The tools over the Deps served at each call: arguments validated, limits taken, the domain run in a thread."""

    def __init__(self, deps: Callable[[], Awaitable[Deps]], limits: Limits) -> None:
        self.deps, self.limits = deps, limits

    async def call(self, name: str, arguments: Mapping[str, Any], request: Any = None) -> tuple[str, BaseModel]:
        """The text the model reads and the structured result; raises an AssistantError saying how to fix."""
        tool = TOOLS.get(name)
        if tool is None:
            raise UnknownToolError(name)
        try:
            args = tool.arguments.model_validate(dict(arguments))
        except ValidationError as exc:
            raise invalid_arguments(name, exc) from None
        deps = await self.deps()
        if not tool.answering:
            return await anyio.to_thread.run_sync(tool.run, deps, args)
        asked = str(getattr(args, "question", None) or getattr(args, "query", ""))  # for the request log
        async with self.limits.answering(request, asked):
            text, result = await anyio.to_thread.run_sync(tool.run, deps, args)
        if isinstance(result, ChatResponse):
            self.limits.observe(result.model_dump())
        return text, result


async def served_deps(state: Any) -> Deps:
    """The Deps /api/chat answers with now (a hot reload applies to the next call), or why there are none."""
    deps = await current_deps(state)
    if deps is None:
        raise state.live.error or IndexMissingError(state.settings.index_dir)
    return deps


def build_server(toolbox: Toolbox) -> Server:
    """The SDK's low-level server offering the tools (loads the `mcp` package)."""
    from mcp import types
    from mcp.server.lowlevel import Server

    listing = types.ListToolsResult(tools=[_tool(spec) for spec in TOOLS.values()])

    async def list_tools(
        ctx: ServerRequestContext, params: types.PaginatedRequestParams | None
    ) -> types.ListToolsResult:
        return listing

    async def call_tool(ctx: ServerRequestContext, params: types.CallToolRequestParams) -> types.CallToolResult:
        try:
            text, result = await toolbox.call(params.name, params.arguments or {}, ctx.request)
        except AssistantError as exc:
            if exc.status >= 500:
                logger.warning("tool %s failed: %s", params.name, exc.message_en)
            return _failure(exc)
        except Exception:  # a bug: logged with its traceback; the model learns only that the call failed
            logger.exception("tool %s raised", params.name)
            return _failure(errors.InternalError())
        structured = result.model_dump(mode="json")
        return types.CallToolResult(content=[types.TextContent(text=text)], structured_content=structured)

    return Server(
        NAME,
        version=VERSION,
        title=TITLE,
        instructions=INSTRUCTIONS,
        get_tool_input_schema=lambda name: TOOLS[name].arguments.model_json_schema() if name in TOOLS else None,
        on_list_tools=list_tools,
        on_call_tool=call_tool,
    )


def _tool(spec: ToolSpec) -> types.Tool:
    from mcp import types  # loaded by build_server already

    return types.Tool(
        name=spec.name,
        title=spec.title,
        description=spec.description,
        input_schema=spec.arguments.model_json_schema(),
        output_schema=spec.output.model_json_schema(mode="serialization"),
        annotations=types.ToolAnnotations(read_only_hint=True, idempotent_hint=True, open_world_hint=False),
    )


def _failure(exc: AssistantError) -> types.CallToolResult:
    from mcp import types  # loaded by build_server already

    body = errors.public(exc)  # an upstream failure without internal addresses
    text = tool_face.error_text(str(body["message"]), str(body["message_en"]))
    return types.CallToolResult(content=[types.TextContent(text=text)], is_error=True)


# --- stdio --------------------------------------------------------------------------------------------------------


def run_stdio(live: LiveDeps) -> None:
    """Blocking: `serve_stdio` in an event loop of its own."""
    anyio.run(serve_stdio, live)


async def serve_stdio(live: LiveDeps) -> None:
    """`assistant mcp`: the tools over this process's stdin and stdout, until the client closes them."""
    from mcp.server.stdio import stdio_server

    state = SimpleNamespace(settings=live.settings, live=live)
    server = build_server(Toolbox(partial(served_deps, state), Limits()))
    async with stdio_server() as (read, write):
        # From here fd 1 is the protocol's (the SDK points stray writes at stderr): a library printing while the
        # index opens and the embedding model loads cannot corrupt it. A missing index is answered per call.
        await anyio.to_thread.run_sync(live.open)
        async with anyio.create_task_group() as tasks:
            if live.settings.reload_interval > 0:  # a new `assistant ingest` is served as the HTTP server serves it
                tasks.start_soon(follow_index, live, live.settings.reload_interval)
            await server.run(read, write, server.create_initialization_options())
            tasks.cancel_scope.cancel()


# --- streamable HTTP ----------------------------------------------------------------------------------------------


def sent_key(headers: Mapping[str, str]) -> str:
    """The client key a request sends: `X-API-Key`, else `Authorization: Bearer`; "" when none."""
    scheme, _, token = headers.get("authorization", "").partition(" ")
    return headers.get("x-api-key", "").strip() or (token.strip() if scheme.lower() == "bearer" else "")


def is_known_key(sent: str, keys: list[str]) -> bool:
    """Every key compared, each in constant time on digests: neither timing nor the answer tells which one."""
    digest = hashlib.sha256(sent.encode("utf-8", "surrogateescape")).digest()
    found = False
    for key in keys:
        found = hmac.compare_digest(digest, hashlib.sha256(key.encode()).digest()) or found
    return found


class HttpLimits(Limits):
    """/api/chat's limits for the answering tools: the caller's "chat" token (its key's bucket) and a slot."""

    def __init__(self, settings: Settings, rates: RateLimiter, in_flight: InFlightLimiter, metrics: Metrics) -> None:
        self.settings, self.rates, self.in_flight, self.metrics = settings, rates, in_flight, metrics
        self.clients = ClientIdentity([key.get_secret_value() for key in settings.client_keys])

    @asynccontextmanager
    async def answering(self, request: Any, question: str) -> AsyncIterator[None]:
        client = (request.client.host, request.client.port) if request is not None and request.client else None
        key = sent_key(request.headers) if request is not None else ""
        wait = self.rates.take("chat", self.clients.of({b"x-api-key": key.encode("latin-1")} if key else {}, client))
        if wait:
            self.metrics.inc("assistant_rejected_total", reason="rate_limited")
            raise errors.RateLimitedError(wait)
        if not await self.in_flight.acquire():
            self.metrics.inc("assistant_rejected_total", reason="busy")
            raise errors.BusyError(self.settings.busy_retry_after)
        if self.settings.log_questions and request is not None:
            request.state.question = question  # the request log line shows it (scope state)
        try:
            yield
        finally:
            self.in_flight.release()

    def observe(self, answer: Mapping[str, Any]) -> None:
        self.metrics.observe_answer(answer)


class McpNotRunningError(AssistantError):
    status = 503
    code = "mcp_not_running"

    def __init__(self) -> None:
        super().__init__(
            "The MCP endpoint is not running: the server is starting or stopping. Try again.",
            "Dịch vụ MCP chưa sẵn sàng (máy chủ đang khởi động hoặc dừng) — vui lòng thử lại.",
        )


class McpEndpoint:
    """/mcp: the tools over streamable HTTP, while `running()` (the app's lifespan), behind keys and Origins."""

    def __init__(self, state: Any, rates: RateLimiter, local_origins: str) -> None:
        settings: Settings = state.settings
        self.state = state
        self.keys = [key.get_secret_value() for key in settings.client_keys]
        self.origins, self.local_origins = settings.cors_origins, re.compile(local_origins)
        self.limits = HttpLimits(settings, rates, state.in_flight, state.metrics)
        self._handle: ASGIApp | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        refusal = _post_only(scope["method"]) or self._refusal(Headers(scope=scope))
        handle = self._handle
        if refusal is None and handle is None:
            refusal = McpNotRunningError()
        if refusal is not None:
            await rpc_error(refusal)(scope, receive, send)
            return
        assert handle is not None
        await handle(scope, receive, send)

    def _refusal(self, headers: Headers) -> AssistantError | None:
        if self.keys and not is_known_key(sent_key(headers), self.keys):
            return UnauthorizedError(
                "Missing or wrong API key: send `Authorization: Bearer <key>` (or `X-API-Key: <key>`) with a key of "
                "ASSISTANT_CLIENT_KEYS.",
                "Thiếu hoặc sai khoá API — hãy gửi tiêu đề `Authorization: Bearer <khoá>` (hoặc `X-API-Key: <khoá>`) "
                "với một khoá trong ASSISTANT_CLIENT_KEYS (trong cấu hình máy khách MCP: mục headers).",
            )
        origin = headers.get("origin", "").rstrip("/")
        if origin and not self._origin_allowed(origin):
            return ForbiddenError(  # a page elsewhere (or a DNS-rebound name) calling a local server
                f"Requests from the page at {shown(origin)} may not call /mcp: add its origin to "
                "ASSISTANT_CORS_ORIGINS.",
                "Trang web này không được phép gọi dịch vụ MCP — hãy thêm địa chỉ của trang vào "
                "ASSISTANT_CORS_ORIGINS.",
            )
        return None

    def _origin_allowed(self, origin: str) -> bool:
        """The pages CORS lets call the API: ASSISTANT_CORS_ORIGINS, and this machine's on any port."""
        return "*" in self.origins or origin in self.origins or self.local_origins.fullmatch(origin) is not None

    @asynccontextmanager
    async def running(self) -> AsyncIterator[None]:
        """Serve /mcp for the life of the block: the SDK's session manager and its task group, in the app's lifespan."""
        from mcp.server.streamable_http_manager import StreamableHTTPSessionManager
        from mcp.server.transport_security import TransportSecuritySettings

        server = build_server(Toolbox(partial(served_deps, self.state), self.limits))
        manager = StreamableHTTPSessionManager(
            app=server,
            stateless=True,  # no session to lose between worker processes or restarts
            json_response=True,
            # Host is the app's HostCheck's (ASSISTANT_ALLOWED_HOSTS, with `*.domain` names the SDK's exact
            # host:port list cannot hold) and Origin is checked above: the SDK's own DNS-rebinding check is off.
            security_settings=TransportSecuritySettings(enable_dns_rebinding_protection=False),
            max_request_body_size=self.state.settings.max_body_bytes,
        )
        async with manager.run():
            self._handle = manager.handle_request
            try:
                yield
            finally:
                self._handle = None


def _post_only(method: str) -> AssistantError | None:
    """405 for GET and DELETE, as the specification allows: stateless, there is no stream to open nor session to end."""
    if method == "POST":
        return None
    refusal = errors.MethodNotAllowedError(
        f"{method} is not served at /mcp: send MCP messages with POST (the endpoint is stateless: no server stream "
        "to open with GET, no session to end with DELETE).",
        f"Dịch vụ MCP không nhận phương thức {method} — hãy gửi thông điệp MCP bằng POST.",
    )
    refusal.headers = {"Allow": "POST"}
    return refusal


def rpc_error(exc: AssistantError) -> JSONResponse:
    """A refusal as a JSON-RPC error (MCP clients show its message), the app's error body as its `data`."""
    body = errors.public(exc)
    error = {
        "code": RPC_INTERNAL_ERROR if exc.status >= 500 else RPC_INVALID_REQUEST,
        "message": tool_face.error_text(str(body["message"]), str(body["message_en"])),
        "data": body,
    }
    return JSONResponse({"jsonrpc": "2.0", "id": None, "error": error}, status_code=exc.status, headers=exc.headers)
