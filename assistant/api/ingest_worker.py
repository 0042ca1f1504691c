"""The child process of an admin ingest job: `python -m assistant.api.ingest_worker [--rebuild]`.

The same ingestion as `assistant ingest` (settings from the environment, which assistant.jobs fills from the
server's own), reported on stdout as the JSON lines assistant.jobs reads: progress while embedding, then the
summary, or the error. Exit codes as the CLI's: 0 done, 1 a domain error, 3 the index is busy.
"""

from __future__ import annotations

import json
import logging
import sys

from core.config import load_settings
from core.embedders import build_embedder
from core.errors import AssistantError
from ingest.pipeline import ChunkingOptions, IngestLimits, Ingestor


def emit(event: dict[str, object]) -> None:
    print(json.dumps(event, ensure_ascii=False), flush=True)


def main(argv: list[str] | None = None) -> int:
    rebuild = "--rebuild" in (sys.argv[1:] if argv is None else argv)
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr, format="%(levelname)s %(name)s: %(message)s")
    done = 0

    def progress(embedded: int, total: int) -> None:
        nonlocal done
        done += embedded
        emit({"event": "progress", "done": done, "total": total})

    try:
        settings = load_settings()
        options = ChunkingOptions(target_chars=settings.chunk_target_chars, max_chars=settings.chunk_max_chars)
        ingestor = Ingestor(
            settings.index_dir,
            build_embedder(settings),
            options,
            IngestLimits.from_settings(settings),
            chroma_url=settings.chroma_url,
        )
        summary = ingestor.run(settings.documents_dir, progress=progress, rebuild=rebuild)
    except AssistantError as exc:
        emit({"event": "error", "message": exc.message_vi, "message_en": exc.message_en})
        return exc.exit_code
    emit({"event": "summary", "summary": summary.to_dict()})
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
