"""Checks specific to the question set over the official documents (the generic ones: test_question_set.py)."""

from __future__ import annotations

import re
from functools import cache

import pytest

from tests.eval.question_sets import NQ57_DIR, OFFICIAL, OFFICIAL_DIR, markdown_names, norm

if not (OFFICIAL_DIR.is_dir() and NQ57_DIR.is_dir()):
    pytest.skip(f"../shared/data not found: {OFFICIAL_DIR}, {NQ57_DIR}", allow_module_level=True)

MIN_OFFICIAL_FILES = 30
MIN_ABSENT_DOCUMENT_QUESTIONS = 12
MIN_UNANSWERABLE = 35
# A document number as people write it: 99/CT-TTg, 999/2025/NĐ-CP, 12345/BTC-NSNN, 999-QĐ/TW, 0250/KH-UBND.
DOCUMENT_NUMBER = re.compile(r"(?<![\w./-])(\d{1,6})(/\d{4})?[/-][^\W\d_][\w&]*(?:[/-][\w&]+)*")
# Where the document proper starts on a crawled page: the national or Party heading (portal header before it).
HEADINGS = ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "ĐẢNG CỘNG SẢN")


@cache
def _corpus_texts() -> tuple[str, ...]:
    """Every file of both folders (PROVENANCE.md and index.jsonl included), normalised and lowercased."""
    files = [p for d in (OFFICIAL_DIR, NQ57_DIR) for p in sorted(d.iterdir()) if p.is_file()]
    return tuple(norm(p.read_text(encoding="utf-8")).lower() for p in files)


def _occurs(fragment: str) -> bool:
    pattern = re.compile(r"(?<!\d)" + re.escape(norm(fragment).lower()))
    return any(pattern.search(text) for text in _corpus_texts())


def _absent_numbers(question: str) -> list[str]:
    """Document numbers named in the question that occur in no file (nor does their number/year part)."""
    absent = []
    for match in DOCUMENT_NUMBER.finditer(question):
        number, year = match.group(1), match.group(2)
        if not _occurs(match.group(0)) and not (year and _occurs(number + year)):
            absent.append(match.group(0))
    return absent


def test_question_ids_follow_o_pattern():
    bad = [q["id"] for q in OFFICIAL.questions if not re.fullmatch(r"o\d{3}", q["id"])]
    assert not bad, bad


def test_official_files_widely_used():
    official = markdown_names(OFFICIAL_DIR)
    used = {g["doc"] for q in OFFICIAL.questions for g in q["gold"]} & official
    assert len(official) == 38, sorted(official)
    assert len(used) >= MIN_OFFICIAL_FILES, sorted(official - used)


def test_enough_unanswerable_questions():
    assert sum(q["type"] == "unanswerable" for q in OFFICIAL.questions) >= MIN_UNANSWERABLE


def test_absent_document_questions_name_numbers_found_in_no_file():
    """At least 12 unanswerable questions ask about a document that is in neither folder: its number is searched
    for in every file (and, for numbers with a year, the number/year part too)."""
    absent = {
        q["id"]: numbers
        for q in OFFICIAL.questions
        if q["type"] == "unanswerable" and (numbers := _absent_numbers(q["question"]))
    }
    assert len(absent) >= MIN_ABSENT_DOCUMENT_QUESTIONS, absent


def test_document_number_search_finds_present_numbers():
    """The search above must not call a present document absent, whatever the spelling in the question."""
    assert _absent_numbers("Công văn 11306/VPCP-NN") == []
    assert _absent_numbers("Nghị định 170/2025/NĐ-CP") == []
    assert _absent_numbers("Quy định 383-QĐ/TW") == []
    assert _absent_numbers("Nghị định 999/2025/NĐ-CP") == ["999/2025/NĐ-CP"]


def test_official_quotes_come_after_the_portal_header():
    """Quotes from crawled pages lie in the document proper, from the line of its national or Party heading on
    (the issuing body and number stand beside that heading), not in the portal's copyright notice or metadata
    block that precede it."""
    bad = []
    for q in OFFICIAL.questions:
        for g in q["gold"]:
            if not (OFFICIAL_DIR / g["doc"]).is_file():
                continue
            raw = OFFICIAL.document(g["doc"])
            heading = min(i for i in (raw.find(h) for h in HEADINGS) if i >= 0)
            start = max(0, len(norm(raw[: raw.rfind("\n", 0, heading) + 1])) - 1)
            if norm(raw).find(norm(g["quote"] if "quote" in g else g["block"][0]), start) < 0:
                bad.append((q["id"], g["doc"]))
    assert not bad, bad
