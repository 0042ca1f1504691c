"""The embedding cache on its own: keys, identities, round trips of real vectors, garbage collection, crashes."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np

from core.index.embedcache import EmbedCache, embedder_identity, text_sha
from core.index.layout import Layout
from tests.conftest import REPO, clean_env

PASSAGES = [
    "Nghị quyết số 57-NQ/TW về đột phá phát triển khoa học, công nghệ, đổi mới sáng tạo và chuyển đổi số quốc gia.",
    "Ủy ban nhân dân tỉnh giao Sở Khoa học và Công nghệ chủ trì, phối hợp với các sở, ngành triển khai kế hoạch.",
    "Quyết định này có hiệu lực kể từ ngày ký.",
]


class Named:
    """An embedder's identity parts only (what embedder_identity reads)."""

    def __init__(self, name: str = "m", query_prefix: str = "", passage_prefix: str = "", dim: int = 4) -> None:
        self.name, self.query_prefix, self.passage_prefix, self.dim = name, query_prefix, passage_prefix, dim


def open_cache(index: Path, identity: str, dim: int) -> EmbedCache:
    return EmbedCache(Layout(index).embed_cache, identity, dim)


def test_text_sha_exact_bytes_differ_on_any_change() -> None:
    assert text_sha("a") == text_sha("a") and len(text_sha("a")) == 64
    assert text_sha("Điều 1") != text_sha("Điều 1 ") != text_sha("Ðiều 1")  # a space, a look-alike letter


def test_embedder_identity_changes_with_name_prefixes_and_dim() -> None:
    base = embedder_identity(Named())
    assert base == embedder_identity(Named())
    others = [Named(name="n"), Named(query_prefix="query: "), Named(passage_prefix="passage: "), Named(dim=8)]
    assert len({base, *(embedder_identity(o) for o in others)}) == 5


def test_cache_real_vectors_round_trip_equal_fresh(tmp_path: Path, minilm) -> None:
    identity = embedder_identity(minilm)
    fresh = minilm.embed_documents(PASSAGES)
    cache = open_cache(tmp_path, identity, minilm.dim)
    cache.put([text_sha(t) for t in PASSAGES], fresh)
    cache.close()

    got = open_cache(tmp_path, identity, minilm.dim).get([text_sha(t) for t in PASSAGES])

    again = minilm.embed_documents(PASSAGES)
    for text, vector in zip(PASSAGES, again, strict=True):
        cached = got[text_sha(text)]
        assert cached.dtype == np.float32 and cached.shape == (minilm.dim,)
        assert float(cached @ vector / np.linalg.norm(cached) / np.linalg.norm(vector)) >= 0.9999


def test_cache_other_identity_never_reads_vectors(tmp_path: Path) -> None:
    shas = [text_sha(t) for t in PASSAGES]
    mine = open_cache(tmp_path, embedder_identity(Named(passage_prefix="passage: ")), 4)
    mine.put(shas, np.eye(3, 4, dtype=np.float32))
    other = open_cache(tmp_path, embedder_identity(Named()), 4)

    assert other.get(shas) == {}
    assert set(mine.get(shas)) == set(shas)


def test_cache_keep_only_drops_dead_texts_and_other_identities(tmp_path: Path) -> None:
    shas = [text_sha(t) for t in PASSAGES]
    other = open_cache(tmp_path, "other", 4)
    other.put(shas[:1], np.ones((1, 4), dtype=np.float32))
    cache = open_cache(tmp_path, "mine", 4)
    cache.put(shas, np.eye(3, 4, dtype=np.float32))

    dropped = cache.keep_only(shas[1:])

    assert dropped == 2 and cache.count() == 2
    assert set(cache.get(shas)) == set(shas[1:]) and other.get(shas) == {}


def test_cache_get_batches_many_keys(tmp_path: Path) -> None:
    shas = [text_sha(str(i)) for i in range(1300)]  # over several SELECTs
    cache = open_cache(tmp_path, "mine", 2)
    cache.put(shas, np.arange(2600, dtype=np.float32).reshape(1300, 2))

    got = cache.get(shas)

    assert len(got) == 1300 and got[shas[1299]].tolist() == [2598.0, 2599.0]


KILL_IN_TRANSACTION = """
import os, signal, sys
from pathlib import Path
import numpy as np
from core.index.embedcache import EmbedCache
cache = EmbedCache(Path(sys.argv[1]), "mine", 2)
cache.put(["kept"], np.ones((1, 2), dtype=np.float32))
cache._db.execute("BEGIN IMMEDIATE")
cache._db.executemany("INSERT INTO vectors VALUES (?, ?, ?)", [("mine", f"lost{i}", b"x" * 8) for i in range(500)])
os.kill(os.getpid(), signal.SIGKILL)
"""


def test_cache_sigkill_mid_transaction_leaves_committed_batches(tmp_path: Path) -> None:
    path = Layout(tmp_path).embed_cache
    env = {**clean_env(), "PYTHONPATH": str(REPO)}
    proc = subprocess.run([sys.executable, "-c", KILL_IN_TRANSACTION, path], env=env, capture_output=True, timeout=60)
    assert proc.returncode == -9, proc.stderr

    cache = open_cache(tmp_path, "mine", 2)

    assert cache.count() == 1 and list(cache.get(["kept", "lost0"])) == ["kept"]
    cache.put(["next"], np.zeros((1, 2), dtype=np.float32))  # writable again
    assert cache.count() == 2
