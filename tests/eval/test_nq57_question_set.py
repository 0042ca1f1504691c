"""Validate the evaluation question set over the NQ 57 policy documents.

The set lives in ``eval/questions/nq57_policy.jsonl`` (same format as ``eval/questions/README.md``); its
sources are read at run time from ``../shared/data/nq57_policy_documents/`` and are never copied into the repo.
These tests keep it honest: every quote must be copied from its document, every key fact of an
answerable question must really be in the documents, and the type mix must stay balanced.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections import Counter
from functools import cache
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
QUESTIONS_PATH = ROOT / "eval" / "questions" / "nq57_policy.jsonl"
DOCUMENTS_DIR = ROOT.parent / "shared" / "data" / "nq57_policy_documents"

if not DOCUMENTS_DIR.is_dir():
    pytest.skip(f"../shared/data/nq57_policy_documents not found: {DOCUMENTS_DIR}", allow_module_level=True)

ALLOWED_TYPES = {
    "factoid",
    "numeric",
    "date",
    "person",
    "list",
    "multi-document",
    "yes/no",
    "no-diacritics",
    "abbreviation",
    "document-number",
    "paraphrase",
    "english",
    "follow-up",
    "unanswerable",
}
MIN_ENGLISH = 3
MIN_NO_DIACRITICS = 5
MIN_PER_TYPE = {
    "factoid": 3,
    "numeric": 4,
    "date": 5,
    "person": 5,
    "list": 2,
    "multi-document": 2,
    "yes/no": 3,
    "no-diacritics": MIN_NO_DIACRITICS,
    "abbreviation": 3,
    "document-number": 3,
    "paraphrase": 3,
    "english": MIN_ENGLISH,
    "follow-up": 2,
    "unanswerable": 10,
}
MIN_TOTAL = 60
MIN_ANSWERABLE = 48
QUOTE_MIN_WORDS = 10
QUOTE_MAX_WORDS = 40

# The last section of this file is the repo author's own comparison, not an official text:
# no gold quote may come from it.
BOILERPLATE_MARKERS = {
    "nq57_with_kl69_nq20_and_comparison.md": "So sánh Nghị quyết 57 với Nghị quyết 20 và Kết luận 69",
}
SOURCE_DOCUMENTS = {
    "nq57_ntw_2024_fulltext.md",
    "nq03_ncp_2025_with_appendices.md",
    "kh3260_ddqh15_plan_implementing_nq57.md",
    "cv402_vpdu_draft_report_nq57_implementation.md",
    "bcdtw_session1_news_20250120.md",
    "nq57_with_kl69_nq20_and_comparison.md",
}
HEADLINE_QUESTION = "Nghị quyết 57-NQ/TW được ban hành ngày nào?"
HEADLINE_DATE = "22/12/2024"

_WHITESPACE = re.compile(r"\s+")


def _norm(text: str) -> str:
    """NFC-normalise and collapse whitespace runs (including no-break spaces) to one space."""
    return _WHITESPACE.sub(" ", unicodedata.normalize("NFC", text)).strip()


@cache
def _raw_lines() -> tuple[str, ...]:
    text = QUESTIONS_PATH.read_text(encoding="utf-8")
    return tuple(line for line in text.splitlines() if line.strip())


@cache
def _questions() -> tuple[dict[str, Any], ...]:
    return tuple(json.loads(line) for line in _raw_lines())


@cache
def _document(name: str) -> str:
    return (DOCUMENTS_DIR / name).read_text(encoding="utf-8")


def _answerable() -> list[dict[str, Any]]:
    return [q for q in _questions() if q["type"] != "unanswerable"]


def _strings(value: Any):
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield key
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def test_question_file_every_line_parses_as_object():
    bad = []
    for number, line in enumerate(_raw_lines(), 1):
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            bad.append(f"line {number}: {exc}")
            continue
        if not isinstance(obj, dict):
            bad.append(f"line {number}: not a JSON object")
    assert not bad, bad
    assert _raw_lines(), "question file is empty"


def test_question_ids_unique():
    counts = Counter(q.get("id") for q in _questions())
    assert not [i for i, n in counts.items() if n > 1]


def test_question_required_fields_present_with_right_shapes():
    bad = []
    for q in _questions():
        qid = q.get("id", "?")
        if not isinstance(q.get("id"), str) or not q["id"]:
            bad.append(f"{qid}: id")
        if not isinstance(q.get("question"), str) or not q["question"].strip():
            bad.append(f"{qid}: question")
        if not isinstance(q.get("type"), str):
            bad.append(f"{qid}: type")
        gold = q.get("gold")
        if not isinstance(gold, list) or not all(
            isinstance(g, dict)
            and set(g) == {"doc", "quote"}
            and isinstance(g["doc"], str)
            and isinstance(g["quote"], str)
            for g in gold
        ):
            bad.append(f"{qid}: gold must be a list of {{doc, quote}}")
        answer = q.get("answer")
        if not isinstance(answer, list) or not all(
            isinstance(fact, list) and fact and all(isinstance(alt, str) and alt.strip() for alt in fact)
            for fact in answer
        ):
            bad.append(f"{qid}: answer must be a list of non-empty lists of strings")
        extra = set(q) - {"id", "question", "type", "gold", "answer", "history"}
        if extra:
            bad.append(f"{qid}: unknown fields {sorted(extra)}")
        if "history" in q and not (
            isinstance(q["history"], list)
            and all(
                isinstance(turn, dict)
                and set(turn) == {"role", "content"}
                and turn["role"] in {"user", "assistant"}
                and isinstance(turn["content"], str)
                and turn["content"].strip()
                for turn in q["history"]
            )
        ):
            bad.append(f"{qid}: history must be a list of {{role: user|assistant, content}}")
    assert not bad, bad


def test_question_type_in_allowed_list():
    bad = [(q["id"], q["type"]) for q in _questions() if q["type"] not in ALLOWED_TYPES]
    assert not bad, bad


def test_answerable_question_has_gold_and_answer():
    bad = [q["id"] for q in _answerable() if not q["gold"] or not q["answer"]]
    assert not bad, bad


def test_unanswerable_question_has_empty_gold_and_answer():
    bad = [q["id"] for q in _questions() if q["type"] == "unanswerable" and (q["gold"] or q["answer"])]
    assert not bad, bad


def test_gold_document_exists():
    bad = [
        (q["id"], g["doc"])
        for q in _questions()
        for g in q["gold"]
        if g["doc"] not in SOURCE_DOCUMENTS or not (DOCUMENTS_DIR / g["doc"]).is_file()
    ]
    assert not bad, bad


def test_gold_quote_occurs_verbatim_in_document():
    bad = [
        (q["id"], g["doc"], g["quote"])
        for q in _questions()
        for g in q["gold"]
        if _norm(g["quote"]) not in _norm(_document(g["doc"]))
    ]
    assert not bad, bad


def test_gold_quote_short_and_within_one_paragraph():
    bad = []
    for q in _questions():
        for g in q["gold"]:
            words = len(g["quote"].split())
            if "\n" in g["quote"] or "\r" in g["quote"]:
                bad.append((q["id"], "line break inside quote"))
            if not QUOTE_MIN_WORDS <= words <= QUOTE_MAX_WORDS:
                bad.append((q["id"], f"{words} words"))
            # The quote must also fit inside one line of the source, not straddle two paragraphs.
            paragraphs = (_norm(p) for p in _document(g["doc"]).splitlines())
            if not any(_norm(g["quote"]) in p for p in paragraphs):
                bad.append((q["id"], "quote spans paragraphs"))
    assert not bad, bad


def test_gold_quote_precedes_stripped_boilerplate():
    bad = []
    for q in _questions():
        for g in q["gold"]:
            marker = BOILERPLATE_MARKERS.get(g["doc"])
            if marker is None:
                continue
            text = _norm(_document(g["doc"]))
            cut = text.find(_norm(marker))
            assert cut >= 0, f"marker {marker!r} missing from {g['doc']}"
            position = text.find(_norm(g["quote"]))
            if position >= cut:
                bad.append((q["id"], g["doc"]))
    assert not bad, bad


def test_answer_fact_canonical_spelling_found_in_gold_material():
    """The first alternative of each fact is the spelling used by the documents.

    It must occur (case-insensitively) in one of the question's gold quotes or gold documents;
    the other alternatives are accepted variants (other date formats, English, no diacritics)
    that need not be in the text.
    """
    bad = []
    for q in _answerable():
        material = [_norm(g["quote"]).lower() for g in q["gold"]]
        material += [_norm(_document(g["doc"])).lower() for g in q["gold"]]
        for fact in q["answer"]:
            canonical = _norm(fact[0]).lower()
            if not any(canonical in text for text in material):
                bad.append((q["id"], fact[0]))
    assert not bad, bad


def test_question_set_all_text_nfc():
    bad = [(q.get("id"), s) for q in _questions() for s in _strings(q) if not unicodedata.is_normalized("NFC", s)]
    assert not bad, bad
    raw = QUESTIONS_PATH.read_text(encoding="utf-8")
    assert unicodedata.is_normalized("NFC", raw)


def test_question_set_size_meets_minimums():
    questions = _questions()
    unanswerable = sum(q["type"] == "unanswerable" for q in questions)
    assert len(questions) >= MIN_TOTAL
    assert len(questions) - unanswerable >= MIN_ANSWERABLE
    assert unanswerable >= MIN_PER_TYPE["unanswerable"]


def test_question_type_counts_meet_minimums():
    counts = Counter(q["type"] for q in _questions())
    short = {t: (counts[t], n) for t, n in MIN_PER_TYPE.items() if counts[t] < n}
    assert not short, f"type: (have, need) {short}"


def test_no_diacritics_question_plain_ascii():
    bad = [q["id"] for q in _questions() if q["type"] == "no-diacritics" and not q["question"].isascii()]
    assert not bad, bad


def test_multi_document_question_cites_two_documents():
    bad = [q["id"] for q in _questions() if q["type"] == "multi-document" and len({g["doc"] for g in q["gold"]}) < 2]
    assert not bad, bad


def test_follow_up_question_has_user_and_assistant_history():
    bad = []
    for q in _questions():
        if q["type"] != "follow-up":
            continue
        roles = [turn["role"] for turn in q.get("history", [])]
        if "user" not in roles or "assistant" not in roles or roles[-1] != "assistant":
            bad.append(q["id"])
    assert not bad, bad


def test_headline_question_present_with_issue_date():
    matches = [q for q in _questions() if q["question"] == HEADLINE_QUESTION]
    assert matches, "the product's headline question is missing"
    assert any(HEADLINE_DATE in alt for q in matches for fact in q["answer"] for alt in fact)


def test_question_ids_follow_p_pattern():
    bad = [q["id"] for q in _questions() if not re.fullmatch(r"p\d{3}", q["id"])]
    assert not bad, bad


def test_task_table_and_targets_covered():
    """Phụ lục I targets and Phụ lục II tasks of 03/NQ-CP, and every source document, are used."""
    docs = Counter(g["doc"] for q in _questions() for g in q["gold"])
    assert SOURCE_DOCUMENTS - {"nq57_with_kl69_nq20_and_comparison.md"} <= set(docs), docs
    table_quotes = [
        g["quote"] for q in _questions() for g in q["gold"] if g["doc"] == "nq03_ncp_2025_with_appendices.md"
    ]
    assert sum("|" in quote for quote in table_quotes) >= 10
