"""The `assistant` command: ingest, ask, search, serve, mcp, material, eval.

Exit codes: 0 success; 1 a domain error (no index, bad input...: message on stderr); 2 a usage error
(click's); 3 the index is busy (another `assistant ingest` is writing it: retry later).
"""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path
from typing import Annotated, Any, Literal

import typer

from assistant import pipeline
from assistant.api.logs import JsonFormatter
from assistant.deps import LiveDeps, load_deps
from assistant.material import formats
from assistant.material.builder import build_pack
from assistant.material.types import Audience
from core.config import Settings, load_settings
from core.embedders import build_embedder
from core.errors import EXIT_ERROR, UserInputError, exit_on_error
from core.index.layout import Layout
from core.index.store import read_server
from eval import cli as eval_cli
from ingest.pipeline import ChunkingOptions, IngestLimits, Ingestor, ProgressBar

HELP = "Trợ lý Nghị quyết: cited answers about resolutions, plans and meeting reports."
app = typer.Typer(help=HELP, no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False)

IndexOpt = Annotated[Path | None, typer.Option("--index", help="index directory (env ASSISTANT_INDEX_DIR)")]
JsonOpt = Annotated[bool, typer.Option("--json", help="one JSON object on stdout, for machines")]
DocsOpt = Annotated[Path | None, typer.Option(help="documents directory (env ASSISTANT_DOCUMENTS_DIR)")]
KOpt = Annotated[int | None, typer.Option("--k", min=1, max=50, help="passages to use (default: settings)")]
VerboseOpt = Annotated[bool, typer.Option("--verbose", "-v", help="log at INFO level")]


@app.callback()
def _root(verbose: VerboseOpt = False) -> None:
    level = logging.INFO if verbose else logging.WARNING
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s")
    for handler in logging.getLogger().handlers:  # some libraries (bm25s) set DEBUG on their own logger
        handler.setLevel(level)


def _settings(index: Path | None = None, documents: Path | None = None) -> Settings:
    with exit_on_error():
        return load_settings(index_dir=index, documents_dir=documents)


def _print_json(data: Any) -> None:
    typer.echo(json.dumps(data, ensure_ascii=False, indent=2))


@app.command()
def ingest(
    documents: DocsOpt = None,
    index: IndexOpt = None,
    as_json: JsonOpt = False,
    rebuild: Annotated[bool, typer.Option("--rebuild", help="throw the index away, build anew")] = False,
) -> None:
    """Bring the index up to date with the documents directory (only new or changed files are embedded)."""
    settings = _settings(index, documents)
    options = ChunkingOptions(target_chars=settings.chunk_target_chars, max_chars=settings.chunk_max_chars)
    bar = ProgressBar(enabled=False if as_json else None)
    with exit_on_error():
        try:
            limits = IngestLimits.from_settings(settings)
            embedder = build_embedder(settings)
            ingestor = Ingestor(settings.index_dir, embedder, options, limits, chroma_url=settings.chroma_url)
            summary = ingestor.run(settings.documents_dir, progress=bar, rebuild=rebuild)
        finally:
            bar.close()
    # ingest.pipeline's logger warns about each skipped file as it happens; --json also lists them.
    if as_json:
        _print_json(summary.to_dict())
        return
    s = summary
    skipped = f"{len(s.skipped)} file{'s' * (len(s.skipped) != 1)} skipped" if s.skipped else ""
    if s.skipped:  # a recap after the progress bar: the warnings may have scrolled away
        typer.echo(f"{skipped}:" + "".join(f"\n  {i['source']}: {i['reason']}" for i in s.skipped), err=True)
        skipped = f"; {skipped} (listed on stderr)"
    if not (s.added or s.updated or s.removed or s.chunks_embedded):  # the common re-run
        typer.echo(f"{s.documents} documents, {s.chunks} chunks: nothing changed, nothing embedded{skipped}")
        return
    typer.echo(
        f"{s.documents} documents: {s.added} added, {s.updated} updated, {s.removed} removed, "
        f"{s.unchanged} unchanged; {s.chunks} chunks, {s.chunks_embedded} embedded, {s.cache_hits} from the cache "
        f"in {s.seconds:.1f} s{skipped}"
    )


@app.command()
def ask(
    question: Annotated[str, typer.Argument(help="the question, in Vietnamese")],
    as_json: JsonOpt = False,
    index: IndexOpt = None,
    k: KOpt = None,
    stream: Annotated[bool, typer.Option("--stream", help="print the answer as the LLM writes it")] = False,
) -> None:
    """Answer a question with numbered sources."""
    settings = _settings(index)
    with exit_on_error():
        deps = load_deps(settings)
        answer, streamed = None, ""
        for event in pipeline.events(deps, pipeline.Turn(question, k=k), stream=stream and not as_json):
            if isinstance(event, pipeline.Done):
                answer = event.trace.answer
            else:
                streamed += event.text
                typer.echo(event.text, nl=False)
    assert answer is not None
    if as_json:
        _print_json(answer.to_dict())
        return
    if not streamed:
        typer.echo(answer.answer)
    elif streamed == answer.answer:
        typer.echo()
    else:  # the checks repaired, renumbered or replaced what was streamed: the checked answer is the one
        typer.echo(f"\n\nCâu trả lời sau khi kiểm tra:\n{answer.answer}")
    if answer.note:
        typer.echo(f"\n({answer.note})")
    typer.echo("\nNguồn:" if answer.sources else "", nl=bool(answer.sources))
    _print_passages([p.to_dict() for p in answer.sources])


@app.command()
def search(
    query: Annotated[str, typer.Argument(help="question or keywords")],
    as_json: JsonOpt = False,
    index: IndexOpt = None,
    k: KOpt = None,
) -> None:
    """Ranked passages for a query, without an answer."""
    settings = _settings(index)
    with exit_on_error():
        passages = pipeline.search(load_deps(settings), query, k)
    results = [p.to_dict() for p in passages]
    if as_json:
        _print_json({"query": query, "results": results})
    else:
        _print_passages(results, show_score=True)


def _print_passages(passages: list[dict[str, Any]], show_score: bool = False) -> None:
    for p in passages:
        head = f"[{p['n']}] {p['title']}" + (f" ({p['date']})" if p.get("date") else "")
        if p.get("section"):
            head += f" — {p['section']}"
        if show_score:
            head += f"  score={p['score']:.3f}"
        text = " ".join(p["text"].split())
        typer.echo(f"{head}\n    {text[:200]}{'…' if len(text) > 200 else ''}")


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="(env ASSISTANT_HOST, default 127.0.0.1)")] = None,
    port: Annotated[int | None, typer.Option(help="(env ASSISTANT_PORT, default 8000)")] = None,
    index: IndexOpt = None,
    workers: Annotated[
        int, typer.Option(min=1, help="worker processes; more than 1 needs the vectors in a Chroma server")
    ] = 1,
) -> None:
    """Serve the chat page, the JSON API and its docs (/docs)."""
    import uvicorn

    settings = _settings(index)
    host, port = host or settings.host, port or settings.port
    logs: dict[str, Any] = {}
    if settings.log_format == "json":
        logging.captureWarnings(True)  # a library's warnings become records, hence JSON lines, too
        # uvicorn's own access line is off: the app's request log (assistant.api.access) is the JSON one, with the
        # request id, and uvicorn's would carry the query string, i.e. a search's question.
        logs = {"log_config": _json_log_config(logging.getLogger().level), "access_log": False}
    if workers == 1:
        from assistant.api.app import create_app

        uvicorn.run(create_app(settings), host=host, port=port, **logs)
        return
    with exit_on_error():
        _check_workers(settings, workers)
    # Each worker process builds its app, and its Settings, from the environment: the --index given here goes too.
    os.environ["ASSISTANT_INDEX_DIR"] = str(settings.index_dir.resolve())
    uvicorn.run("assistant.api.app:create_app", factory=True, workers=workers, host=host, port=port, **logs)


def _json_log_config(level: int) -> dict[str, Any]:
    """uvicorn's log_config for every logger of the server (root, uvicorn's, each worker's) as JSON lines on stderr.

    The root keeps the level `--verbose` chose (its handler too: bm25s sets DEBUG on its own logger); uvicorn's
    start and stop lines stay at INFO, as with its default configuration. Applied in every worker process.
    """
    handler = {"class": "logging.StreamHandler", "formatter": "json", "stream": "ext://sys.stderr"}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": JsonFormatter}},
        "handlers": {"root": {**handler, "level": level}, "uvicorn": handler},
        "root": {"handlers": ["root"], "level": level},
        "loggers": {"uvicorn": {"handlers": ["uvicorn"], "level": "INFO", "propagate": False}},
    }


def _check_workers(settings: Settings, workers: int) -> None:
    """Several processes may read an index only when its vectors are in a Chroma server."""
    if read_server(Layout(settings.index_dir).chroma) is not None:
        return
    committed = Layout(settings.index_dir).manifest.exists()
    if settings.chroma_url and not committed:
        return  # the first `assistant ingest` will put the vectors in the server
    keeps = "keeps them" if committed else "would keep them"
    why = (
        f"--workers {workers} needs the vectors in a Chroma server, but the index at {settings.index_dir} {keeps} "
        "in Chroma's embedded PersistentClient, which is not process-safe (several processes lose or corrupt "
        "vectors). "
    )
    if settings.chroma_url:
        fix = (
            f"Run `assistant ingest --rebuild` to move them into the server at {settings.chroma_url}, then serve again."
        )
    else:
        fix = (
            "Start a Chroma server (`make chroma`), set ASSISTANT_CHROMA_URL=http://127.0.0.1:8001, run "
            "`assistant ingest --rebuild`, then serve again; or serve with --workers 1."
        )
    raise UserInputError(
        why + fix,
        f"Chạy nhiều tiến trình (--workers {workers}) cần lưu vector trong máy chủ Chroma: "
        "hãy đặt ASSISTANT_CHROMA_URL, chạy `assistant ingest --rebuild`, hoặc dùng --workers 1.",
    )


@app.command("mcp")
def mcp_stdio(index: IndexOpt = None) -> None:
    """Serve the tools (ask, search_documents, get_document, list_documents) to an MCP client over stdio."""
    from assistant.api.mcp_server import run_stdio  # the MCP SDK and the HTTP stack load for this command only

    settings = _settings(index)
    run_stdio(LiveDeps(settings))  # the index opens once, and follows new commits as `serve` does


@app.command()
def material(
    topic: Annotated[str, typer.Option("--topic", help='the lesson\'s topic, e.g. "Bình dân học vụ số"')],
    audience: Annotated[Audience, typer.Option(help="who the lesson is for")] = "can-bo-xa",
    points: Annotated[int, typer.Option(help="key points wanted (3 to 12)")] = 6,
    questions: Annotated[int, typer.Option(help="quiz questions wanted (4 to 30)")] = 10,
    fmt: Annotated[Literal["md", "docx", "json"], typer.Option("--format", help="output format")] = "md",
    out: Annotated[Path | None, typer.Option("--out", help="file to write (required for docx)")] = None,
    index: IndexOpt = None,
) -> None:
    """Draft trainer material on a topic: key points, Q&A, quiz, glossary, every item cited."""
    if fmt == "docx" and out is None:
        raise typer.BadParameter(
            "DOCX is a binary file: add --out FILE.docx (Hãy thêm --out TỆP.docx).", param_hint="--out"
        )
    settings = _settings(index)
    with exit_on_error():
        pack = build_pack(load_deps(settings), topic, audience=audience, points=points, questions=questions)
    rendered = formats.render_as(pack, fmt)
    if out is None:
        assert isinstance(rendered, str)
        typer.echo(rendered.rstrip("\n"))
        return
    try:
        out.write_bytes(rendered.encode() if isinstance(rendered, str) else rendered)
    except OSError as exc:
        typer.echo(f"Error: cannot write {out}: {exc.strerror}\nLỗi: không ghi được tệp {out}.", err=True)
        raise typer.Exit(EXIT_ERROR) from None
    summary = f"{len(pack.key_points)} key points, {len(pack.quiz)} quiz questions, {len(pack.sources)} sources"
    typer.echo(f"wrote {out} ({summary})", err=True)


app.add_typer(eval_cli.app, name="eval")


def main() -> None:
    """Entry point of the `assistant` script."""
    app(prog_name="assistant")


if __name__ == "__main__":
    main()
