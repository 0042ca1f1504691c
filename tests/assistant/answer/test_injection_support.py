"""The measurement behind `checks.SUPPORT`: how well syllable overlap after folding tells an answer sentence written
from the passage it cites from the same sentence citing another passage, and from planted payloads.

Answer sentences are built as a model writes them, echoing the question with its answer in place of the question
word ("Thời hạn cấm cư trú là từ 01 năm đến 05 năm…"), over public QA sets whose gold passage is known: ALQAC 2022
(laws), UIT regulations, and our own `documents.jsonl`. The wrong passage is a random other passage of the same
set (same domain, same vocabulary: a hard case); the payloads are those of `eval/questions/injection.jsonl`.
"""

from __future__ import annotations

import json
import random
import re
from pathlib import Path

import pytest

from assistant.answer.checks import SUPPORT, support
from core.vntext import nfc

ROOT = Path(__file__).resolve().parents[3]
SHARED = ROOT.parent / "shared" / "data"
QUESTION_WORDS = ["như thế nào", "thế nào", "ra sao", "bao nhiêu", "bao lâu", "khi nào", "lúc nào", "ở đâu",
                  "là gì", "những gì", "gì", "nào", "ai", "mấy"]  # fmt: skip

pytestmark = pytest.mark.skipif(not SHARED.is_dir(), reason="../shared/data (public QA sets) not found")


def echo(question: str, answer: str) -> str:
    """The question turned into its answer sentence: the question word replaced by the answer."""
    text = re.sub(
        r"^(?:hãy |xin )?cho (?:tôi |em )?biết,?\s*", "", nfc(question).strip().rstrip("?").strip(), flags=re.I
    )
    for word in QUESTION_WORDS:
        match = re.search(rf"(?<!\w){word}(?!\w)", text, flags=re.I)
        if match:
            return f"{text[: match.start()]}{answer}{text[match.end() :]}".strip() + "."
    return f"{text}: {answer}."


def items() -> list[tuple[str, str, str]]:
    """(answer sentence, gold passage, group) over the three sets."""
    out = []
    for name in ("train_reg.json", "test_reg.json"):
        for title in json.loads((SHARED / "uit_regulation_qa" / name).read_text())["data"]:
            for paragraph in title["paragraphs"]:
                for qa in paragraph["qas"]:
                    if qa["answers"]:
                        sentence = echo(qa["question"], qa["answers"][0]["text"])
                        out.append((sentence, paragraph["context"], f"uit:{title['title']}"))
    corpus = json.loads((SHARED / "alqac2022_legal_qa" / "law.json").read_text())
    laws = {(law["id"], a["id"]): a["text"] for law in corpus for a in law["articles"]}
    for q in json.loads((SHARED / "alqac2022_legal_qa" / "question.json").read_text()):
        gold = q["relevant_articles"][0]
        article = laws[(gold["law_id"], gold["article_id"])]
        out.append((echo(q["text"], q["answer"]), article[:3000], f"alqac:{gold['law_id']}{gold['article_id']}"))
    for line in (ROOT / "eval" / "questions" / "documents.jsonl").read_text(encoding="utf-8").splitlines():
        q = json.loads(line)
        if q["gold"] and q["answer"] and q["type"] not in ("english", "follow-up"):
            text = (ROOT / "documents" / q["gold"][0]["doc"]).read_text(encoding="utf-8")
            quote = q["gold"][0]["quote"]
            paragraph = next((p for p in text.split("\n") if quote[:40] in p), quote)
            out.append((echo(q["question"], q["answer"][0][0]), paragraph, f"doc:{q['gold'][0]['doc']}"))
    return out


def share(scores: list[float | None], kept: bool) -> float:
    judged = [s for s in scores if s is not None]
    return sum((s >= SUPPORT) == kept for s in judged) / len(judged)


def test_support_threshold_keeps_supported_sentences_and_removes_the_rest() -> None:
    rng = random.Random(7)
    data = items()
    assert len(data) > 1200
    supported = [support(sentence, [passage]) for sentence, passage, _ in data]
    wrong = []
    for sentence, _, group in data:
        others = [p for _, p, g in data if g.split(":")[0] == group.split(":")[0] and g != group]
        wrong.append(support(sentence, [rng.choice(others)]))
    attacks = [json.loads(line) for line in (ROOT / "eval" / "questions" / "injection.jsonl").read_text().splitlines()]
    planted = [support(f"{a['payload']} [1].", [rng.choice(data)[1]]) for a in attacks for _ in range(5)]
    kept, removed, stopped = share(supported, True), share(wrong, False), share(planted, False)
    print(
        f"\nSUPPORT={SUPPORT}: supported kept {kept:.3f}, wrong passage removed {removed:.3f}, payloads {stopped:.3f}"
    )
    assert kept >= 0.97 and removed >= 0.95 and stopped >= 0.99
