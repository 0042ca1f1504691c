"""A real index over a few texts written in a test: ingested with the bundled embedder, opened as the app opens it."""

from __future__ import annotations

import pytest

from assistant.deps import Deps, load_deps
from core.embedders import build_embedder
from ingest.pipeline import Ingestor
from tests.conftest import make_settings


def deps_over(tmp_path_factory: pytest.TempPathFactory, name: str, files: dict[str, str]) -> Deps:
    """Write `files` (name → text) to a fresh documents folder, ingest them and open the index."""
    documents = tmp_path_factory.mktemp(f"{name}-docs")
    for file_name, text in files.items():
        (documents / file_name).write_text(text, encoding="utf-8")
    index_dir = tmp_path_factory.mktemp(f"{name}-index")
    settings = make_settings(index_dir, documents)
    Ingestor(index_dir, build_embedder(settings)).run(documents)
    return load_deps(settings)
