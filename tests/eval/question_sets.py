"""The question sets under eval/questions and where their documents live, for the validation tests."""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
_WHITESPACE = re.compile(r"\s+")

BASE_MIN_PER_TYPE = {
    "factoid": 3,
    "numeric": 4,
    "date": 5,
    "person": 5,
    "list": 2,
    "multi-document": 2,
    "yes/no": 3,
    "no-diacritics": 4,
    "abbreviation": 3,
    "document-number": 3,
    "paraphrase": 3,
    "english": 2,
    "follow-up": 2,
    "unanswerable": 10,
}


def norm(text: str) -> str:
    """NFC-normalise and collapse whitespace runs (including no-break spaces) to one space."""
    return _WHITESPACE.sub(" ", unicodedata.normalize("NFC", text)).strip()


@dataclass(eq=False)
class QuestionSet:
    """One question file, its documents folder(s) and the minimums it must meet."""

    name: str
    documents_dir: Path
    min_total: int
    min_answerable: int
    min_per_type: dict[str, int]
    # Text from these markers on is stripped by ingestion or not official: no gold quote may come from it.
    boilerplate_markers: dict[str, str] = field(default_factory=dict)
    allowed_docs: frozenset[str] | None = None  # None: any file of documents_dir
    extra_dirs: tuple[Path, ...] = ()  # further folders a gold doc may come from, searched after documents_dir

    @property
    def path(self) -> Path:
        return ROOT / "eval" / "questions" / f"{self.name}.jsonl"

    @cached_property
    def raw_lines(self) -> tuple[str, ...]:
        return tuple(line for line in self.path.read_text(encoding="utf-8").splitlines() if line.strip())

    @cached_property
    def questions(self) -> tuple[dict[str, Any], ...]:
        return tuple(json.loads(line) for line in self.raw_lines)

    @cached_property
    def _documents(self) -> dict[str, str]:
        return {}

    def locate(self, name: str) -> Path | None:
        """The file a gold doc name refers to: in documents_dir, else in the first extra dir holding it."""
        return next((d / name for d in (self.documents_dir, *self.extra_dirs) if (d / name).is_file()), None)

    def document(self, name: str) -> str:
        if name not in self._documents:
            path = self.locate(name)
            if path is None:
                raise FileNotFoundError(f"{self.name}: no document {name!r}")
            self._documents[name] = path.read_text(encoding="utf-8")
        return self._documents[name]

    def answerable(self) -> list[dict[str, Any]]:
        return [q for q in self.questions if q["type"] != "unanswerable"]


DOCUMENTS = QuestionSet(
    name="documents",
    documents_dir=ROOT / "documents",
    # The evaluation issue's bar: at least 100 questions, every type at least 5, at least 15 unanswerable.
    min_total=100,
    min_answerable=85,
    min_per_type={**{t: 5 for t in BASE_MIN_PER_TYPE}, "unanswerable": 15},
    boilerplate_markers={
        "000_8e8149a4b1cb9313.txt": "Có thể bạn quan tâm",
        "001_fbc9771f2d710e29.txt": "Tổng số điểm của bài viết",
        "002_f6b2abf78aec154f.txt": "Lượt xem:",
        "004_538540773102b57e.txt": "Tin liên quan",
    },
)

NQ57_SOURCES = frozenset(
    {
        "nq57_ntw_2024_fulltext.md",
        "nq03_ncp_2025_with_appendices.md",
        "kh3260_ddqh15_plan_implementing_nq57.md",
        "cv402_vpdu_draft_report_nq57_implementation.md",
        "bcdtw_session1_news_20250120.md",
        "nq57_with_kl69_nq20_and_comparison.md",
    }
)

NQ57_POLICY = QuestionSet(
    name="nq57_policy",
    documents_dir=ROOT.parent / "shared" / "data" / "nq57_policy_documents",
    min_total=60,
    min_answerable=48,
    min_per_type={**BASE_MIN_PER_TYPE, "no-diacritics": 5, "english": 3},
    # The last section of this file is the repo author's own comparison, not an official text.
    boilerplate_markers={
        "nq57_with_kl69_nq20_and_comparison.md": "So sánh Nghị quyết 57 với Nghị quyết 20 và Kết luận 69",
    },
    allowed_docs=NQ57_SOURCES,
)


DATA_DIR = ROOT.parent / "shared" / "data"
OFFICIAL_DIR = DATA_DIR / "official_documents"
NQ57_DIR = DATA_DIR / "nq57_policy_documents"
# Portal pages end with a "related documents" widget, login prompts and the portal's own notices.
PORTAL_WIDGET = "## Văn bản liên quan"


def markdown_names(*folders: Path) -> frozenset[str]:
    """The documents of the folders: their ``*.md`` files, PROVENANCE.md left out (it describes them)."""
    return frozenset(p.name for d in folders if d.is_dir() for p in d.glob("*.md") if p.name != "PROVENANCE.md")


def _portal_markers(folder: Path) -> dict[str, str]:
    if not folder.is_dir():
        return {}
    return {
        p.name: PORTAL_WIDGET
        for p in sorted(folder.glob("*.md"))
        if p.name != "PROVENANCE.md" and PORTAL_WIDGET in p.read_text(encoding="utf-8")
    }


OFFICIAL = QuestionSet(
    name="official",
    documents_dir=OFFICIAL_DIR,
    extra_dirs=(NQ57_DIR,),
    # The brief for this set: at least 160 questions and 35 unanswerable, and these per-type minimums.
    min_total=160,
    min_answerable=125,
    min_per_type={
        "factoid": 12,
        "numeric": 8,
        "date": 10,
        "person": 12,
        "list": 8,
        "multi-document": 4,
        "yes/no": 4,
        "no-diacritics": 6,
        "abbreviation": 5,
        "document-number": 12,
        "paraphrase": 6,
        "english": 3,
        "follow-up": 4,
        "unanswerable": 35,
    },
    boilerplate_markers={**_portal_markers(OFFICIAL_DIR), **NQ57_POLICY.boilerplate_markers},
    allowed_docs=markdown_names(OFFICIAL_DIR, NQ57_DIR),
)

ALL_SETS = (DOCUMENTS, NQ57_POLICY, OFFICIAL)
