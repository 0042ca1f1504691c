"""Validate every evaluation question set (``eval/questions/*.jsonl``, format in ``eval/questions/README.md``).

Sets whose documents live in ../shared/data are read there at run time and skipped when it is absent.
These tests keep it honest: every quote must be copied from its document, every key fact of an
answerable question must really be in the documents, and the type mix must stay balanced.
"""

from __future__ import annotations

import json
import unicodedata
from collections import Counter
from typing import Any

import pytest

from tests.eval.question_sets import ALL_SETS, QuestionSet, norm

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
QUOTE_MIN_WORDS = 10
QUOTE_MAX_WORDS = 40
BLOCK_MAX_LINES = 8
HEADLINE_QUESTION = "Nghị quyết 57-NQ/TW được ban hành ngày nào?"
HEADLINE_DATE = "22/12/2024"


@pytest.fixture(params=ALL_SETS, ids=[qs.name for qs in ALL_SETS])
def spec(request) -> QuestionSet:
    """Each question set; one whose documents folder is absent (../shared) is skipped, saying so."""
    qs = request.param
    if not qs.documents_dir.is_dir():
        pytest.skip(f"{qs.name}: documents folder {qs.documents_dir} not found (../shared/data beside the repo?)")
    return qs


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


def test_question_file_every_line_parses_as_object(spec: QuestionSet):
    bad = []
    for number, line in enumerate(spec.raw_lines, 1):
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            bad.append(f"line {number}: {exc}")
            continue
        if not isinstance(obj, dict):
            bad.append(f"line {number}: not a JSON object")
    assert not bad, bad
    assert spec.raw_lines, "question file is empty"


def test_question_ids_unique(spec: QuestionSet):
    counts = Counter(q.get("id") for q in spec.questions)
    assert not [i for i, n in counts.items() if n > 1]


def test_question_required_fields_present_with_right_shapes(spec: QuestionSet):
    bad = []
    for q in spec.questions:
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
            and isinstance(g.get("doc"), str)
            and (
                (set(g) == {"doc", "quote"} and isinstance(g["quote"], str))
                or (
                    set(g) == {"doc", "block"}
                    and isinstance(g["block"], list)
                    and g["block"]
                    and all(isinstance(line, str) and line.strip() for line in g["block"])
                )
            )
            for g in gold
        ):
            bad.append(f"{qid}: gold must be a list of {{doc, quote}} or {{doc, block}}")
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


def test_question_type_in_allowed_list(spec: QuestionSet):
    bad = [(q["id"], q["type"]) for q in spec.questions if q["type"] not in ALLOWED_TYPES]
    assert not bad, bad


def test_answerable_question_has_gold_and_answer(spec: QuestionSet):
    bad = [q["id"] for q in spec.answerable() if not q["gold"] or not q["answer"]]
    assert not bad, bad


def test_unanswerable_question_has_empty_gold_and_answer(spec: QuestionSet):
    bad = [q["id"] for q in spec.questions if q["type"] == "unanswerable" and (q["gold"] or q["answer"])]
    assert not bad, bad


def test_gold_document_exists(spec: QuestionSet):
    allowed = spec.allowed_docs
    bad = [
        (q["id"], g["doc"])
        for q in spec.questions
        for g in q["gold"]
        if (allowed is not None and g["doc"] not in allowed) or spec.locate(g["doc"]) is None
    ]
    assert not bad, bad


def test_gold_quote_occurs_verbatim_in_document(spec: QuestionSet):
    bad = [
        (q["id"], g["doc"], g["quote"])
        for q in spec.questions
        for g in q["gold"]
        if "quote" in g and norm(g["quote"]) not in norm(spec.document(g["doc"]))
    ]
    assert not bad, bad


def test_gold_block_lines_stand_in_order_in_the_document(spec: QuestionSet):
    """A block (a dateline, the issuing body, a signature: short lines printed one under another) is a run of
    verbatim spans of the source's lines, in order, each on the line of the one before or at most three lines
    further down; at most BLOCK_MAX_LINES spans and QUOTE_MAX_WORDS words."""
    bad = []
    for q in spec.questions:
        for g in q["gold"]:
            if "block" not in g:
                continue
            if len(g["block"]) > BLOCK_MAX_LINES or len(" ".join(g["block"]).split()) > QUOTE_MAX_WORDS:
                bad.append((q["id"], "block too long"))
            lines = [norm(line) for line in spec.document(g["doc"]).splitlines()]
            if not _block_in_order([norm(b) for b in g["block"]], lines):
                bad.append((q["id"], g["doc"], g["block"]))
    assert not bad, bad


def _block_in_order(block: list[str], lines: list[str]) -> bool:
    def rest(i: int, line: int, pos: int) -> bool:
        if i == len(block):
            return True
        candidates = [(line, pos)] + [(j, 0) for j in range(line + 1, min(line + 4, len(lines)))]
        for j, start in candidates:
            at = lines[j].find(block[i], start)
            if at >= 0 and rest(i + 1, j, at + len(block[i])):
                return True
        return False

    return any(lines[j].find(block[0]) >= 0 and rest(0, j, 0) for j in range(len(lines)))


def test_gold_quote_short_and_within_one_paragraph(spec: QuestionSet):
    bad = []
    for q in spec.questions:
        for g in q["gold"]:
            if "quote" not in g:
                continue  # a block: test_gold_block_lines_stand_in_order_in_the_document
            words = len(g["quote"].split())
            if "\n" in g["quote"] or "\r" in g["quote"]:
                bad.append((q["id"], "line break inside quote"))
            if not QUOTE_MIN_WORDS <= words <= QUOTE_MAX_WORDS:
                bad.append((q["id"], f"{words} words"))
            # The quote must also fit inside one line of the source, not straddle two paragraphs.
            paragraphs = (norm(p) for p in spec.document(g["doc"]).splitlines())
            if not any(norm(g["quote"]) in p for p in paragraphs):
                bad.append((q["id"], "quote spans paragraphs"))
    assert not bad, bad


def test_gold_quote_precedes_stripped_boilerplate(spec: QuestionSet):
    bad = []
    for q in spec.questions:
        for g in q["gold"]:
            marker = spec.boilerplate_markers.get(g["doc"])
            if marker is None:
                continue
            text = norm(spec.document(g["doc"]))
            cut = text.find(norm(marker))
            assert cut >= 0, f"marker {marker!r} missing from {g['doc']}"
            position = text.find(norm(g["quote"] if "quote" in g else g["block"][0]))
            if position >= cut:
                bad.append((q["id"], g["doc"]))
    assert not bad, bad


def test_answer_fact_canonical_spelling_found_in_gold_material(spec: QuestionSet):
    """The first alternative of each fact is the spelling used by the documents.

    It must occur (case-insensitively) in one of the question's gold quotes or gold documents;
    the other alternatives are accepted variants (other date formats, English, no diacritics)
    that need not be in the text.
    """
    bad = []
    for q in spec.answerable():
        material = [norm(g["quote"] if "quote" in g else " ".join(g["block"])).lower() for g in q["gold"]]
        material += [norm(spec.document(g["doc"])).lower() for g in q["gold"]]
        for fact in q["answer"]:
            canonical = norm(fact[0]).lower()
            if not any(canonical in text for text in material):
                bad.append((q["id"], fact[0]))
    assert not bad, bad


def test_question_set_all_text_nfc(spec: QuestionSet):
    bad = [(q.get("id"), s) for q in spec.questions for s in _strings(q) if not unicodedata.is_normalized("NFC", s)]
    assert not bad, bad
    raw = spec.path.read_text(encoding="utf-8")
    assert unicodedata.is_normalized("NFC", raw)


def test_question_set_size_meets_minimums(spec: QuestionSet):
    questions = spec.questions
    unanswerable = sum(q["type"] == "unanswerable" for q in questions)
    assert len(questions) >= spec.min_total
    assert len(questions) - unanswerable >= spec.min_answerable
    assert unanswerable >= spec.min_per_type["unanswerable"]


def test_question_type_counts_meet_minimums(spec: QuestionSet):
    counts = Counter(q["type"] for q in spec.questions)
    short = {t: (counts[t], n) for t, n in spec.min_per_type.items() if counts[t] < n}
    assert not short, f"type: (have, need) {short}"


def test_no_diacritics_question_plain_ascii(spec: QuestionSet):
    bad = [q["id"] for q in spec.questions if q["type"] == "no-diacritics" and not q["question"].isascii()]
    assert not bad, bad


def test_multi_document_question_cites_two_documents(spec: QuestionSet):
    bad = [q["id"] for q in spec.questions if q["type"] == "multi-document" and len({g["doc"] for g in q["gold"]}) < 2]
    assert not bad, bad


def test_follow_up_question_has_user_and_assistant_history(spec: QuestionSet):
    bad = []
    for q in spec.questions:
        if q["type"] != "follow-up":
            continue
        roles = [turn["role"] for turn in q.get("history", [])]
        if "user" not in roles or "assistant" not in roles or roles[-1] != "assistant":
            bad.append(q["id"])
    assert not bad, bad


def test_headline_question_present_with_issue_date(spec: QuestionSet):
    matches = [q for q in spec.questions if q["question"] == HEADLINE_QUESTION]
    assert matches, "the product's headline question is missing"
    assert any(HEADLINE_DATE in alt for q in matches for fact in q["answer"] for alt in fact)
