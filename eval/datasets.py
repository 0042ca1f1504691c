"""Public benchmarks in ../shared/data turned into the common question format of eval/questions/README.md.

The data is read at run time and never copied into the repository: the corpus writers put one UTF-8 .txt
per gold passage into a folder of the caller's choosing, and the question loaders name those files as gold.
`data_dir` is the shared data folder (``settings.data_dir``) or the benchmark's own folder inside it.

- ALQAC 2022 (`alqac2022_legal_qa`): one file per law article, named exactly as `bench/alqac.py` names them
  so an index built by the benchmark is reused; the 520 questions as written and folded to plain ASCII.
- UIT regulation QA (`uit_regulation_qa`): one file per context paragraph of both splits, de-duplicated by
  text; SQuAD offsets and ids are unreliable (see PROVENANCE.md), so answers are matched by text.
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path
from typing import Any

from core.vntext import fold, nfc

ALQAC_DIR = "alqac2022_legal_qa"
UIT_DIR = "uit_regulation_qa"
UIT_SPLITS = ("train", "test")

_WHITESPACE = re.compile(r"\s+")
_LEADING_ZEROS = re.compile(r"(?<![\d.,])0+(?=\d)")  # "07 năm" -> "7 năm"; leaves "100.000" and "0,5" alone
# Typographic punctuation a person typing without accents would not type either.
_ASCII_PUNCTUATION = str.maketrans(
    {"“": '"', "”": '"', "‘": "'", "’": "'", "–": "-", "—": "-", "…": "...", "\u00a0": " ", "\u202f": " "}
)


class DataMissing(Exception):
    """A benchmark file under the shared data folder is absent."""

    def __init__(self, path: Path) -> None:
        self.path = path
        super().__init__(
            f"Benchmark data not found: {path} is missing. Place the shared data folder at ../shared/data "
            "beside the repository, or set ASSISTANT_DATA_DIR to the folder that holds "
            f"{ALQAC_DIR}/ and {UIT_DIR}/."
        )


def collapse(text: str) -> str:
    """NFC with whitespace runs collapsed to one space and the ends stripped."""
    return _WHITESPACE.sub(" ", nfc(text)).strip()


def to_ascii(text: str) -> str:
    """The text as typed without any accents: "Nghị quyết “57”" -> 'Nghi quyet "57"'."""
    return fold(nfc(text)).translate(_ASCII_PUNCTUATION)


def _dataset_file(data_dir: Path, folder: str, name: str) -> Path:
    """data_dir is the shared data folder or the benchmark's own folder inside it (both are accepted)."""
    direct = data_dir / name
    return direct if data_dir.name == folder or direct.is_file() else data_dir / folder / name


def _read_json(path: Path) -> Any:
    if not path.is_file():
        raise DataMissing(path)
    return json.loads(path.read_text(encoding="utf-8"))


def _write_if_changed(path: Path, text: str) -> None:
    """Leave an identical file untouched so its mtime and hash stay and the index skips it."""
    data = text.encode("utf-8")
    if path.is_file() and path.read_bytes() == data:
        return
    path.write_bytes(data)


# ALQAC 2022


def doc_name(law_id: str, article_id: str) -> str:
    """File stem of a law article; must stay identical to bench/alqac.py so its index is reused."""
    return re.sub(r"[^0-9A-Za-z]+", "_", f"{law_id}__{article_id}")


def alqac_corpus(data_dir: Path, target: Path) -> int:
    """Write one UTF-8 .txt per law article into target, skipping unchanged files; return the number of files."""
    laws = _read_json(_dataset_file(data_dir, ALQAC_DIR, "law.json"))
    target.mkdir(parents=True, exist_ok=True)
    names: set[str] = set()
    for law in laws:
        for article in law["articles"]:
            name = f"{doc_name(law['id'], article['id'])}.txt"
            _write_if_changed(target / name, nfc(article["text"]))
            names.add(name)
    return len(names)


def alqac_answer_alternatives(answer: str) -> list[str]:
    """The short answer as written, then safe variants: without leading zeros ("07 năm" -> "7 năm") or a final stop."""
    written = collapse(answer)
    variants = [written, _LEADING_ZEROS.sub("", written)]
    variants += [v[:-1].rstrip() for v in variants if v.endswith(".") and len(v) > 1]
    return list(dict.fromkeys(v for v in variants if v))


def _alqac_item(q: dict, folded: bool) -> dict:
    question = collapse(q["text"])
    articles = q["relevant_articles"]
    return {
        "id": f"alqac-{q['id']}-nd" if folded else f"alqac-{q['id']}",
        "question": to_ascii(question) if folded else question,
        "type": "no-diacritics" if folded else "accented",
        # The whole article is relevant: no quote to locate inside it.
        "gold": [{"doc": f"{doc_name(r['law_id'], r['article_id'])}.txt", "quote": None} for r in articles],
        "answer": [alqac_answer_alternatives(q["answer"])],
    }


def alqac_questions(data_dir: Path) -> list[dict]:
    """The 520 questions as written (type "accented"), then folded to ASCII (type "no-diacritics", id + "-nd")."""
    raw = _read_json(_dataset_file(data_dir, ALQAC_DIR, "question.json"))
    return [_alqac_item(q, folded) for folded in (False, True) for q in raw]


# UIT regulation QA


def _uit_titles(data_dir: Path, split: str) -> list[dict]:
    if split not in UIT_SPLITS:
        raise ValueError(f"unknown UIT split {split!r}: use one of {', '.join(UIT_SPLITS)}")
    return _read_json(_dataset_file(data_dir, UIT_DIR, f"{split}_reg.json"))["data"]


def _slug(text: str, limit: int = 48) -> str:
    return re.sub(r"[^a-z0-9]+", "-", to_ascii(text).lower())[:limit].strip("-")


def uit_doc_name(title: str, context: str) -> str:
    """File name of a paragraph: a slug of its title (of its first words when the title is empty) + a text hash."""
    key = collapse(context)
    slug = _slug(title) or _slug(" ".join(key.split()[:6])) or "uit"
    return f"{slug}-{hashlib.sha256(key.encode('utf-8')).hexdigest()[:10]}.txt"


def _uit_paragraphs(data_dir: Path) -> dict[str, tuple[str, str]]:
    """Collapsed context -> (file name, NFC text) over both splits; the first title seen names a shared paragraph."""
    paragraphs: dict[str, tuple[str, str]] = {}
    for split in UIT_SPLITS:
        for section in _uit_titles(data_dir, split):
            for paragraph in section["paragraphs"]:
                key = collapse(paragraph["context"])
                if key not in paragraphs:
                    text = nfc(paragraph["context"]).strip()
                    paragraphs[key] = (uit_doc_name(section["title"], text), text)
    return paragraphs


def uit_corpus(data_dir: Path, target: Path) -> int:
    """Write one UTF-8 .txt per distinct paragraph of both splits, skipping unchanged files; return the count."""
    paragraphs = _uit_paragraphs(data_dir)
    target.mkdir(parents=True, exist_ok=True)
    for name, text in paragraphs.values():
        _write_if_changed(target / name, text)
    return len(paragraphs)


def find_verbatim(needle: str, text: str) -> str | None:
    """The span of text that reads as needle when whitespace runs are collapsed (text's own spacing kept), or None."""
    words = collapse(needle).split()
    if not words:
        return None
    match = re.search(r"\s+".join(map(re.escape, words)), nfc(text))
    return match.group(0) if match else None


def _uit_question(item_id: str, qa: dict, title: str, doc: str, text: str) -> dict:
    answers = list(dict.fromkeys(a for a in (collapse(ans["text"]) for ans in qa["answers"]) if a))
    # The longest reference that stands in the paragraph: a one-word answer ("Trường") would match any passage.
    quote = next((span for a in sorted(answers, key=len, reverse=True) if (span := find_verbatim(a, text))), None)
    return {
        "id": item_id,
        "question": collapse(qa["question"]),
        "type": "regulation",
        "title": collapse(title),
        "gold": [{"doc": doc, "quote": quote}],
        "answer": [answers] if answers else [],
        "source_id": qa.get("id", ""),
    }


def uit_questions(data_dir: Path, split: str = "test") -> list[dict]:
    """Questions of a split ("train" or "test"), numbered "uit-<split>-0001"… because the source ids repeat."""
    paragraphs = _uit_paragraphs(data_dir)
    items: list[dict] = []
    for section in _uit_titles(data_dir, split):
        for paragraph in section["paragraphs"]:
            doc, text = paragraphs[collapse(paragraph["context"])]
            for qa in paragraph["qas"]:
                item_id = f"uit-{split}-{len(items) + 1:04d}"
                items.append(_uit_question(item_id, qa, section["title"], doc, text))
    return items
