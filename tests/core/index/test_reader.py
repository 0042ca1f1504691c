"""IndexReader: which commit it holds, and a fresh store that sees what another process wrote.

The Chroma tests pin down the library behaviour the server's reload rests on (chromadb 1.5): a client loaded
before another process wrote keeps answering from its own snapshot (and fails once the collection is dropped),
while a fresh one (open_store(fresh=True)) sees the vectors as committed now.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest

from core.errors import IndexMissingError
from core.index.layout import Layout
from core.index.reader import IndexReader, current_commit, open_store
from core.index.store import ChromaStore, VectorStoreError
from ingest.pipeline import Ingestor
from tests.conftest import REPO, SAMPLE_DOCUMENTS, clean_env
from tests.ingest.test_pipeline import SMALL, HashEmbedder

DIM = 8


def test_commit_none_without_manifest_then_new_on_every_write(tmp_path: Path) -> None:
    assert current_commit(tmp_path) is None
    manifest = Layout(tmp_path).manifest
    manifest.write_text('{"a": 1}', encoding="utf-8")
    first = current_commit(tmp_path)
    tmp = tmp_path / ".manifest.json.tmp"
    tmp.write_text('{"a": 1}', encoding="utf-8")  # the same content, committed again (as a rebuild may)
    os.utime(tmp, ns=(time.time_ns() + 10**9, time.time_ns() + 10**9))
    os.replace(tmp, manifest)
    second = current_commit(tmp_path)
    assert first is not None and second is not None and first != second
    assert second.time.endswith("+00:00")


def test_reader_stale_after_rebuild_to_same_generation(tmp_path: Path) -> None:
    documents, index = tmp_path / "documents", tmp_path / "index"
    documents.mkdir()
    (documents / "a.txt").write_text((SAMPLE_DOCUMENTS / "004_538540773102b57e.txt").read_text(), encoding="utf-8")
    Ingestor(index, HashEmbedder(), SMALL).run(documents)
    reader = IndexReader(index)
    assert not reader.is_stale() and reader.commit == current_commit(index)

    Ingestor(index, HashEmbedder(), SMALL).run(documents, rebuild=True)

    assert reader.is_stale() and IndexReader(index).manifest.generation == reader.manifest.generation == 1


def test_reader_missing_index_raises_index_missing(tmp_path: Path) -> None:
    with pytest.raises(IndexMissingError):
        IndexReader(tmp_path)


def test_warm_loads_tables_and_fails_on_a_dropped_collection(tmp_path: Path) -> None:
    documents, index = tmp_path / "documents", tmp_path / "index"
    documents.mkdir()
    (documents / "a.txt").write_text((SAMPLE_DOCUMENTS / "004_538540773102b57e.txt").read_text(), encoding="utf-8")
    Ingestor(index, HashEmbedder(), SMALL).run(documents)
    reader = IndexReader(index, fresh=True)
    reader.warm()
    assert "idf" in vars(reader) and "owners" in vars(reader)  # computed now, not in the first question
    Ingestor(index, HashEmbedder(), SMALL).run(documents, rebuild=True)
    with pytest.raises(VectorStoreError):
        reader.warm()


# ---------------------------------------------------------------- embedded Chroma and another process

WRITER = textwrap.dedent(
    """
    import sys
    import numpy as np
    from pathlib import Path
    from core.index.store import ChromaStore, drop_collection
    chroma, start, n, drop = Path(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), sys.argv[4] == "drop"
    if drop:
        drop_collection(chroma)
    store = ChromaStore(chroma, create=True)
    vectors = np.random.default_rng(start).normal(size=(n, 8)).astype("float32")
    ids = [f"c{start + i}" for i in range(n)]
    store.upsert(ids, vectors, ids, [{"doc_id": "d"}] * n)
    """
)


def _write_in_another_process(chroma: Path, start: int, n: int, drop: bool = False) -> None:
    cmd = [sys.executable, "-c", WRITER, str(chroma), str(start), str(n), "drop" if drop else "keep"]
    subprocess.run(cmd, check=True, cwd=REPO, env=clean_env(), capture_output=True, timeout=300)


def _ids(store: object) -> set[str]:
    return {cid for cid, _ in store.query(np.ones(DIM, dtype=np.float32), 100)}  # type: ignore[attr-defined]


@pytest.mark.slow
def test_fresh_store_sees_another_process_writes_old_one_keeps_its_snapshot(tmp_path: Path) -> None:
    chroma = tmp_path / "chroma"
    _write_in_another_process(chroma, 0, 5)
    old = open_store(chroma, fresh=True)
    assert len(_ids(old)) == 5  # loaded now

    _write_in_another_process(chroma, 100, 3)

    assert len(_ids(old)) == 5  # its snapshot: what a server without reloads kept serving
    fresh = open_store(chroma, fresh=True)
    assert len(_ids(fresh)) == 8 and len(_ids(old)) == 5  # both answer, each from its own generation
    assert isinstance(fresh, ChromaStore) and fresh.collection is not old.collection  # type: ignore[attr-defined]

    _write_in_another_process(chroma, 500, 2, drop=True)  # `ingest --rebuild`: the collection dropped, made anew

    with pytest.raises(VectorStoreError, match="does not exist"):
        _ids(fresh)
    assert _ids(open_store(chroma, fresh=True)) == {"c500", "c501"}
