"""`assistant eval material`: build lesson packs for a list of topics and check them against the documents.

The checks are independent of the builder's own flags, so a builder that marks an item verified wrongly is
caught here:
- **key points cited**: share of key points whose text (markers removed) stands in a passage they cite;
- **quiz answers verified**: share of quiz items whose correct answer stands in a passage they cite (a true /
  false item: the statement is in the passage when "Đúng", absent from every passage when "Sai");
- **distractors valid**: share of wrong options that the documents do not support — the explanation sentence
  with the correct answer replaced by the distractor stands in no chunk of the index;
- **FAQ cited**: share of FAQ answers with at least one valid [n];
- **uncovered refused**: share of topics the documents do not cover that were refused ("không đủ tài liệu").
"""

from __future__ import annotations

import json
import re
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from assistant.answer.citations import markers, strip_markers
from assistant.deps import Deps
from eval.metrics import squash

TOPICS_PATH = Path(__file__).parent / "questions" / "material_topics.json"


@dataclass
class PackCheck:
    topic: str
    audience: str
    covered: bool
    refused: bool
    seconds: float
    key_points: int = 0
    key_points_cited: int = 0
    faq: int = 0
    faq_cited: int = 0
    quiz: int = 0
    quiz_verified: int = 0
    distractors: int = 0
    distractors_valid: int = 0
    problems: list[str] = field(default_factory=list)


def load_topics(path: Path = TOPICS_PATH) -> dict[str, list[dict[str, str]]]:
    data = json.loads(path.read_text(encoding="utf-8"))
    return {"covered": data.get("covered", []), "uncovered": data.get("uncovered", [])}


def check_pack(pack: Any, chunk_texts: list[str]) -> PackCheck:
    """Count, for one built pack, the items that hold up against its sources and the whole corpus."""
    sources = {s.n: squash(s.text) for s in pack.sources}
    check = PackCheck(pack.topic, pack.audience, covered=True, refused=False, seconds=0.0)
    for point in pack.key_points:
        check.key_points += 1
        sentence = _bare(point.text)
        if any(sentence in sources.get(n, "") for n in point.citations):
            check.key_points_cited += 1
        else:
            check.problems.append(f"key point not in its cited passage: {point.text[:80]}")
    for item in pack.faq:
        check.faq += 1
        check.faq_cited += any(n in sources for n in markers(item.answer))
    for item in pack.quiz:
        check.quiz += 1
        if _answer_verified(item, sources):
            check.quiz_verified += 1
        else:
            check.problems.append(f"quiz answer not verified: {item.question[:80]}")
        if item.kind == "mcq":
            for i, option in enumerate(item.options):
                if i == item.correct:
                    continue
                check.distractors += 1
                if not _supported(item.explanation, item.options[item.correct], option, chunk_texts):
                    check.distractors_valid += 1
                else:
                    check.problems.append(f"distractor supported by the documents: {option} ({item.question[:60]})")
    return check


def _bare(text: str) -> str:
    return squash(strip_markers(text)).rstrip(" .;:")


def _answer_verified(item: Any, sources: dict[int, str]) -> bool:
    cited = [sources.get(n, "") for n in item.citations]
    if item.kind == "true_false":
        statement = _bare(_statement(item.question))
        holds = any(statement in text for text in cited)
        return holds if item.correct == 0 else not holds  # options: ["Đúng", "Sai"]
    answer = squash(item.options[item.correct])
    return bool(answer) and any(answer in text for text in cited)


def _statement(question: str) -> str:
    """The statement judged: the quoted part of "Đúng hay sai? Theo tài liệu …: “…”", without cut marks."""
    quoted = re.findall(r"“(.+?)”", question)
    return (quoted[-1] if quoted else question).strip().strip("…").strip()


def _supported(explanation: str, correct: str, distractor: str, chunk_texts: list[str]) -> bool:
    """Would the explanation, with the distractor in place of the answer, be a sentence of the documents?"""
    sentence = _bare(explanation)
    key = squash(correct)
    if not key or key not in sentence:
        return False  # nothing to substitute: the distractor cannot be confirmed by this sentence
    swapped = sentence.replace(key, squash(distractor), 1)
    return any(swapped in text for text in chunk_texts)


def run_material(deps: Deps, topics: dict[str, list[dict[str, str]]] | None = None) -> tuple[dict, list[PackCheck]]:
    """Build a pack for every topic; the summary and one check per topic."""
    from assistant.material.builder import NotEnoughDocumentsError, build_pack

    topics = topics or load_topics()
    chunk_texts = [squash(c.text) for c in deps.index.chunks.values()]
    checks: list[PackCheck] = []
    for covered in (True, False):
        for entry in topics["covered" if covered else "uncovered"]:
            started = time.perf_counter()
            try:
                pack = build_pack(deps, entry["topic"], entry.get("audience", "can-bo-xa"))
            except NotEnoughDocumentsError:
                checks.append(
                    PackCheck(entry["topic"], entry.get("audience", ""), covered, True, time.perf_counter() - started)
                )
                continue
            check = check_pack(pack, chunk_texts)
            check.covered, check.seconds = covered, time.perf_counter() - started
            checks.append(check)
    return summarise(checks), checks


def summarise(checks: list[PackCheck]) -> dict[str, float | int | None]:
    covered = [c for c in checks if c.covered]
    uncovered = [c for c in checks if not c.covered]

    def share(num: str, den: str) -> float | None:
        total = sum(getattr(c, den) for c in covered)
        return round(sum(getattr(c, num) for c in covered) / total, 4) if total else None

    return {
        "topics": len(checks),
        "covered_built": sum(1 for c in covered if not c.refused),
        "covered_refused": sum(1 for c in covered if c.refused),
        "uncovered_refused": round(sum(c.refused for c in uncovered) / len(uncovered), 4) if uncovered else None,
        "key_points": sum(c.key_points for c in covered),
        "key_points_cited": share("key_points_cited", "key_points"),
        "faq_cited": share("faq_cited", "faq"),
        "quiz_items": sum(c.quiz for c in covered),
        "quiz_verified": share("quiz_verified", "quiz"),
        "distractors_valid": share("distractors_valid", "distractors"),
        "seconds_per_pack": round(sum(c.seconds for c in checks) / len(checks), 2) if checks else None,
    }


def report_markdown(summary: dict, checks: list[PackCheck]) -> str:
    lines = ["# Material check", "", "| metric | value |", "|---|---|"]
    lines += [f"| {k} | {v} |" for k, v in summary.items()]
    lines += ["", "| topic | audience | built | key points cited | quiz verified | distractors valid | s |"]
    lines += ["|---|---|---|---|---|---|---|"]
    for c in checks:
        built = "refused" if c.refused else "yes"
        lines.append(
            f"| {c.topic} | {c.audience} | {built}{'' if c.covered else ' (uncovered)'} | "
            f"{c.key_points_cited}/{c.key_points} | {c.quiz_verified}/{c.quiz} | "
            f"{c.distractors_valid}/{c.distractors} | {c.seconds:.1f} |"
        )
    problems = [f"- {c.topic}: {p}" for c in checks for p in c.problems]
    lines += ["", "## Problems", ""] + (problems or ["(none)"])
    return "\n".join(lines) + "\n"


def write_material(out_dir: Path, summary: dict, checks: list[PackCheck]) -> None:
    from dataclasses import asdict

    out_dir.mkdir(parents=True, exist_ok=True)
    payload = {"summary": summary, "topics": [asdict(c) for c in checks]}
    (out_dir / "material.json").write_text(json.dumps(payload, ensure_ascii=False, indent=2), encoding="utf-8")
    (out_dir / "material.md").write_text(report_markdown(summary, checks), encoding="utf-8")
