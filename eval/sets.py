"""The evaluation sets: each a corpus to index and questions in the common format (eval/questions/README.md).

- ``documents``: our questions over the sample documents in ``documents/`` (the default).
- ``nq57_policy``: our questions over the public NQ 57 policy documents in ``<data>/nq57_policy_documents``.
- ``official``: our questions over the official documents in ``<data>/official_documents`` and the NQ 57 texts.
- ``alqac``: ALQAC 2022 legal article retrieval, each question also typed without diacritics.
- ``uit``: UIT university-regulation QA (SQuAD-style short answers), the test split.

Public data is read from the data directory (``ASSISTANT_DATA_DIR``, default ``../shared/data``) at run time
and never copied into the repository; generated corpora live in the evaluation cache.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from core.config import Settings
from core.errors import AssistantError

QUESTIONS_DIR = Path(__file__).parent / "questions"
SetKind = Literal["qa", "retrieval", "extraction"]


class EvalSetError(AssistantError):
    """An evaluation set that cannot be run here (unknown name, public data absent)."""

    status = 400
    code = "eval_set"


@dataclass(frozen=True)
class EvalSet:
    """A question set and the corpus its gold passages come from.

    kind: ``qa`` scores retrieval, key-fact answers, citations and refusals; ``retrieval`` is a benchmark of
    article retrieval with short answers; ``extraction`` adds SQuAD-style F1/EM against short answers.
    rank_unit: ``passage`` ranks retrieved passages; ``document`` ranks distinct documents (a law article or a
    benchmark paragraph is the unit the benchmark judges).
    """

    name: str
    description: str
    kind: SetKind
    rank_unit: Literal["passage", "document"]
    _corpus: Callable[[Settings, Path], Path]
    _questions: Callable[[Settings], list[dict]]

    def corpus(self, settings: Settings, cache_root: Path) -> Path:
        """The directory to index, materialised under cache_root when the set is generated from public data."""
        return self._corpus(settings, cache_root)

    def questions(self, settings: Settings) -> list[dict]:
        return self._questions(settings)


def load_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def _our_questions(name: str) -> Callable[[Settings], list[dict]]:
    return lambda settings: load_jsonl(QUESTIONS_DIR / f"{name}.jsonl")


def _documents_corpus(settings: Settings, cache_root: Path) -> Path:
    if not settings.documents_dir.is_dir():
        raise EvalSetError(
            f"Documents directory {settings.documents_dir} not found; run from the repository root or set "
            "ASSISTANT_DOCUMENTS_DIR.",
            f"Không tìm thấy thư mục tài liệu {settings.documents_dir}.",
        )
    return settings.documents_dir


def _require(path: Path) -> Path:
    if not path.exists():
        raise EvalSetError(
            f"Public data not found at {path}. Place the shared data directory beside the repository "
            "(../shared/data) or set ASSISTANT_DATA_DIR to it.",
            f"Không tìm thấy dữ liệu công khai tại {path}.",
        )
    return path


def _link_markdown(target: Path, *sources: Path) -> Path:
    """Make target hold a symlink to every ``*.md`` of the sources (PROVENANCE.md left out: it describes the
    files, it is not one) and nothing else; links already right are kept."""
    target.mkdir(parents=True, exist_ok=True)
    wanted = {p.name: p for source in sources for p in sorted(source.glob("*.md")) if p.name != "PROVENANCE.md"}
    for stale in target.iterdir():
        if stale.name not in wanted:
            stale.unlink()
    for name, path in wanted.items():
        link = target / name
        if not (link.is_symlink() and link.resolve() == path):
            link.unlink(missing_ok=True)
            link.symlink_to(path)
    return target


def _nq57_corpus(settings: Settings, cache_root: Path) -> Path:
    """Links to the policy documents."""
    source = _require(settings.data_dir / "nq57_policy_documents").resolve()
    return _link_markdown(cache_root / "corpus-nq57_policy", source)


def _official_corpus(settings: Settings, cache_root: Path) -> Path:
    """Links to the 38 official documents and the NQ 57 policy texts (the official set cites both)."""
    official = _require(settings.data_dir / "official_documents").resolve()
    policy = _require(settings.data_dir / "nq57_policy_documents").resolve()
    return _link_markdown(cache_root / "corpus-official", official, policy)


def _generated(folder: str, dataset: str, write: str) -> Callable[[Settings, Path], Path]:
    """A corpus written by an adapter of eval/datasets.py from a public dataset into the cache."""

    def corpus(settings: Settings, cache_root: Path) -> Path:
        from eval import datasets

        target = cache_root / folder
        target.mkdir(parents=True, exist_ok=True)
        getattr(datasets, write)(_require(settings.data_dir / dataset), target)
        return target

    return corpus


def _alqac_questions(settings: Settings) -> list[dict]:
    from eval import datasets

    return datasets.alqac_questions(_require(settings.data_dir / "alqac2022_legal_qa"))


def _uit_questions(settings: Settings) -> list[dict]:
    from eval import datasets

    return datasets.uit_questions(_require(settings.data_dir / "uit_regulation_qa"), "test")


SETS: dict[str, EvalSet] = {
    s.name: s
    for s in [
        EvalSet(
            "documents",
            "Our questions over the sample documents in documents/",
            "qa",
            "passage",
            _documents_corpus,
            _our_questions("documents"),
        ),
        EvalSet(
            "nq57_policy",
            "Our questions over the public NQ 57 policy documents (full texts, plans, draft report)",
            "qa",
            "passage",
            _nq57_corpus,
            _our_questions("nq57_policy"),
        ),
        EvalSet(
            "official",
            "Our questions over 38 official documents of 2024–2025 and the NQ 57 policy texts",
            "qa",
            "passage",
            _official_corpus,
            _our_questions("official"),
        ),
        EvalSet(
            "alqac",
            "ALQAC 2022 legal article retrieval (520 questions, as written and without diacritics)",
            "retrieval",
            "document",
            _generated("corpus-alqac", "alqac2022_legal_qa", "alqac_corpus"),
            _alqac_questions,
        ),
        EvalSet(
            "uit",
            "UIT university-regulation QA, test split (short-answer extraction)",
            "extraction",
            "document",
            _generated("corpus-uit", "uit_regulation_qa", "uit_corpus"),
            _uit_questions,
        ),
    ]
}


def get_set(name: str) -> EvalSet:
    """The named set; an error listing the known ones otherwise."""
    try:
        return SETS[name]
    except KeyError:
        known = ", ".join(SETS)
        raise EvalSetError(
            f"No evaluation set {name!r}; known sets: {known}.",
            f"Không có bộ câu hỏi {name!r}; các bộ hiện có: {known}.",
        ) from None


def corpus_hash(directory: Path) -> str:
    """SHA-256 over the sorted file names and contents of a corpus directory (symlinks followed)."""
    digest = hashlib.sha256()
    for path in sorted(p for p in directory.iterdir() if p.is_file() and not p.name.startswith(".")):
        digest.update(path.name.encode())
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()
