"""The `assistant` command: ingest, ask, search, serve, material, eval.

Exit codes: 0 success; 1 a domain error (no index, bad input...: message on stderr); 2 a usage error
(click's); 3 the index is busy (another `assistant ingest` is writing it: retry later).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any, Literal

import typer
from pydantic import ValidationError

from assistant.material.types import Audience
from core.config import Settings
from core.errors import AssistantError, IndexBusyError

EXIT_ERROR, EXIT_BUSY = 1, 3

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


@contextmanager
def _domain_errors() -> Iterator[None]:
    """Domain errors become a message on stderr and an exit code, never a traceback."""
    try:
        yield
    except AssistantError as exc:
        typer.echo(f"Error: {exc.message_en}", err=True)
        if exc.message_vi != exc.message_en:
            typer.echo(f"Lỗi: {exc.message_vi}", err=True)
        raise typer.Exit(EXIT_BUSY if isinstance(exc, IndexBusyError) else EXIT_ERROR) from None


def _settings(index: Path | None = None, documents: Path | None = None) -> Settings:
    """Settings from the environment / .env, with command-line options on top."""
    try:
        settings = Settings()
    except ValidationError as exc:
        typer.echo(f"Error: invalid ASSISTANT_* settings (environment or .env):\n{exc}", err=True)
        raise typer.Exit(EXIT_ERROR) from None
    update = {"index_dir": index, "documents_dir": documents}
    return settings.model_copy(update={k: v for k, v in update.items() if v is not None})


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
    from core.embedders import build_embedder
    from ingest.pipeline import ChunkingOptions, Ingestor, ProgressBar

    settings = _settings(index, documents)
    options = ChunkingOptions(target_chars=settings.chunk_target_chars, max_chars=settings.chunk_max_chars)
    bar = ProgressBar(enabled=False if as_json else None)
    with _domain_errors():
        try:
            ingestor = Ingestor(settings.index_dir, build_embedder(settings), options)
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
        f"{s.unchanged} unchanged; {s.chunks} chunks, {s.chunks_embedded} embedded in {s.seconds:.1f} s{skipped}"
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
    from assistant import service
    from assistant.types import Answer

    settings = _settings(index)
    with _domain_errors():
        deps = service.load_deps(settings)
        answer, streamed = None, ""
        for item in service.answer_events(deps, question, k=k, stream=stream and not as_json):
            if isinstance(item, Answer):
                answer = item
            else:
                streamed += item
                typer.echo(item, nl=False)
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
    from assistant import service

    settings = _settings(index)
    with _domain_errors():
        passages = service.search(service.load_deps(settings), query, k)
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
) -> None:
    """Serve the chat page, the JSON API and its docs (/docs)."""
    import uvicorn

    from assistant.api.app import create_app

    settings = _settings(index)
    uvicorn.run(create_app(settings), host=host or settings.host, port=port or settings.port)


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
    from assistant import service
    from assistant.material import render
    from assistant.material.builder import build_pack

    settings = _settings(index)
    with _domain_errors():
        pack = build_pack(service.load_deps(settings), topic, audience=audience, points=points, questions=questions)
    rendered = render.render_as(pack, fmt)
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


eval_app = typer.Typer(help="Evaluate on a question set: metrics, reports, comparisons.", no_args_is_help=True)
app.add_typer(eval_app, name="eval")

BaselinesOpt = Annotated[str, typer.Option(help="baselines beside the product: bm25,dense,tutorial-langchain or none")]


@eval_app.command("run")
def eval_run(
    set_name: Annotated[str, typer.Option("--set", help="documents | nq57_policy | alqac | uit")] = "documents",
    retrieval: Annotated[Literal["hybrid", "bm25", "dense"], typer.Option(help="the product's retrieval")] = "hybrid",
    mode: Annotated[Literal["extractive", "llm"], typer.Option(help="how answers are written")] = "extractive",
    out: Annotated[Path | None, typer.Option(help="run directory (default runs/<set>-<retrieval>)")] = None,
    baselines: BaselinesOpt = "bm25,dense,tutorial-langchain",
    limit: Annotated[int | None, typer.Option(min=1, help="only the first N questions")] = None,
    check_floors: Annotated[
        bool, typer.Option("--check-floors", help="exit 1 when a headline metric is below eval/floors.json")
    ] = False,
    floors_file: Annotated[Path | None, typer.Option("--floors", help="floors file (default eval/floors.json)")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Index the set's corpus (cached), ask every question through the real pipeline, write the report."""
    from eval import compare, runner

    chosen = [] if baselines.strip() in ("", "none") else [b.strip() for b in baselines.split(",") if b.strip()]
    unknown = [b for b in chosen if b not in runner.BASELINES]
    if unknown:
        typer.echo(f"Error: unknown baseline {unknown[0]!r}; known: {', '.join(runner.BASELINES)}", err=True)
        raise typer.Exit(EXIT_ERROR)
    settings = _settings()
    out_dir = out or Path("runs") / f"{set_name}-{retrieval}"
    with _domain_errors():
        options = runner.RunOptions(retrieval, mode, chosen, limit)
        result = runner.run(settings, set_name, options, log=lambda m: typer.echo(m, err=True))
    runner.write_run(out_dir, result)
    typer.echo(f"report: {out_dir / 'report.md'} and {out_dir / 'report.html'}", err=True)
    if as_json:
        _print_json(result.summaries)
    else:
        typer.echo(compare.headline_table(result.summaries, result.product))
    if check_floors:
        floors_path = floors_file or compare.FLOORS_PATH
        floors = compare.load_floors(floors_path).get(set_name)
        if floors is None:
            typer.echo(f"Error: {floors_path} has no floors for set {set_name!r}", err=True)
            raise typer.Exit(EXIT_ERROR)
        broken = compare.check_floors(result.summaries[result.product]["overall"], floors)
        for line in broken:
            typer.echo(f"FLOOR BROKEN: {line}", err=True)
        if broken:
            raise typer.Exit(EXIT_ERROR)
        typer.echo(f"all {len(floors)} floors of {set_name!r} hold", err=True)


@eval_app.command("compare")
def eval_compare(
    run_a: Annotated[Path, typer.Argument(help="the earlier run directory")],
    run_b: Annotated[Path, typer.Argument(help="the later run directory")],
) -> None:
    """Metric deltas between two runs (B − A) and the questions whose outcome flipped."""
    from eval import compare

    try:
        typer.echo(compare.compare(run_a, run_b))
    except FileNotFoundError as exc:
        typer.echo(f"Error: {exc}", err=True)
        raise typer.Exit(EXIT_ERROR) from None


@eval_app.command("material")
def eval_material(
    out: Annotated[Path, typer.Option(help="directory for material.json and material.md")] = Path("runs/material"),
    index: IndexOpt = None,
    topics: Annotated[Path | None, typer.Option(help="topics JSON (default: eval/questions/)")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Build lesson packs for a list of topics and check citations, quiz answers and distractors."""
    from assistant.service import load_deps
    from eval import material

    settings = _settings(index)
    with _domain_errors():
        chosen = material.load_topics(topics) if topics else None
        summary, checks = material.run_material(load_deps(settings), chosen)
    material.write_material(out, summary, checks)
    typer.echo(f"report: {out / 'material.md'}", err=True)
    if as_json:
        _print_json(summary)
    else:
        typer.echo(material.report_markdown(summary, checks))


@eval_app.command("sets")
def eval_sets() -> None:
    """The evaluation sets and whether their data is present here."""
    from eval.sets import SETS

    settings = _settings()
    for eval_set in SETS.values():
        try:
            n = f"{len(eval_set.questions(settings))} questions"
        except AssistantError as exc:
            n = f"unavailable: {exc.message_en}"
        typer.echo(f"{eval_set.name:12} {eval_set.kind:10} {n} — {eval_set.description}")


def main() -> None:
    """Entry point of the `assistant` script."""
    app(prog_name="assistant")


if __name__ == "__main__":
    main()
