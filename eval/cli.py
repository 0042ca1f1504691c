"""The `assistant eval …` commands: run a question set, compare two runs, check lesson packs, list the sets.

Attached to the `assistant` command by assistant/cli.py; the evaluation itself lives in eval/.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any, Literal

import typer

from assistant.deps import load_deps
from core.config import Settings, load_settings
from core.errors import EXIT_ERROR, AssistantError, exit_on_error
from eval import compare, material, runner
from eval.sets import SETS

app = typer.Typer(help="Evaluate on a question set: metrics, reports, comparisons.", no_args_is_help=True)

IndexOpt = Annotated[Path | None, typer.Option("--index", help="index directory (env ASSISTANT_INDEX_DIR)")]
JsonOpt = Annotated[bool, typer.Option("--json", help="one JSON object on stdout, for machines")]

BaselinesOpt = Annotated[str, typer.Option(help="baselines beside the product: bm25,dense,tutorial-langchain or none")]


@app.command("run")
def eval_run(
    set_name: Annotated[
        str, typer.Option("--set", help="documents | nq57_policy | official | alqac | uit")
    ] = "documents",
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
    chosen = [] if baselines.strip() in ("", "none") else [b.strip() for b in baselines.split(",") if b.strip()]
    unknown = [b for b in chosen if b not in runner.BASELINES]
    if unknown:
        typer.echo(f"Error: unknown baseline {unknown[0]!r}; known: {', '.join(runner.BASELINES)}", err=True)
        raise typer.Exit(EXIT_ERROR)
    settings = _settings()
    out_dir = out or Path("runs") / f"{set_name}-{retrieval}"
    with exit_on_error():
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


@app.command("compare")
def eval_compare(
    run_a: Annotated[Path, typer.Argument(help="the earlier run directory")],
    run_b: Annotated[Path, typer.Argument(help="the later run directory")],
) -> None:
    """Metric deltas between two runs (B − A) and the questions whose outcome flipped."""
    try:
        typer.echo(compare.compare(run_a, run_b))
    except FileNotFoundError as exc:
        typer.echo(f"Error: {exc}", err=True)
        raise typer.Exit(EXIT_ERROR) from None


@app.command("material")
def eval_material(
    out: Annotated[Path, typer.Option(help="directory for material.json and material.md")] = Path("runs/material"),
    index: IndexOpt = None,
    topics: Annotated[Path | None, typer.Option(help="topics JSON (default: eval/questions/)")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Build lesson packs for a list of topics and check citations, quiz answers and distractors."""
    settings = _settings(index)
    with exit_on_error():
        chosen = material.load_topics(topics) if topics else None
        summary, checks = material.run_material(load_deps(settings), chosen)
    material.write_material(out, summary, checks)
    typer.echo(f"report: {out / 'material.md'}", err=True)
    if as_json:
        _print_json(summary)
    else:
        typer.echo(material.report_markdown(summary, checks))


@app.command("sets")
def eval_sets() -> None:
    """The evaluation sets and whether their data is present here."""
    settings = _settings()
    for eval_set in SETS.values():
        try:
            n = f"{len(eval_set.questions(settings))} questions"
        except AssistantError as exc:
            n = f"unavailable: {exc.message_en}"
        typer.echo(f"{eval_set.name:12} {eval_set.kind:10} {n} — {eval_set.description}")


def _settings(index: Path | None = None) -> Settings:
    with exit_on_error():
        return load_settings(index_dir=index)


def _print_json(data: Any) -> None:
    typer.echo(json.dumps(data, ensure_ascii=False, indent=2))
