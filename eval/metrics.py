"""Evaluation metrics, each a small pure function (definitions in eval/README.md).

Retrieval is scored on ranks: the 1-based positions, in the retrieved list, of the first passage (or document)
matching each gold item. Answers are scored on their text and the passages their [n] markers cite.
"""

from __future__ import annotations

import math
import re
import string
from collections.abc import Iterable, Sequence

# The answer-reading helpers live in the assistant, which checks LLM answers by the same rules; eval.runner and
# the tests keep reaching them here.
from assistant.answer.citations import MARKER, answer_sentences, numbers_in, numbers_missing, strip_markers
from assistant.answer.citations import markers as markers
from core.vntext import nfc


def squash(text: str) -> str:
    """Compare text, not markup: NFC, Markdown emphasis, escapes and table pipes dropped, whitespace collapsed."""
    text = re.sub(r"\\([\\`*_{}\[\]()#+\-.!|>~])", r"\1", nfc(text)).replace("**", "").replace("|", " ")
    return re.sub(r"\s+", " ", text).strip().lower()


# -- retrieval ------------------------------------------------------------------------------------------------


def hit_at(first_ranks: Sequence[int], k: int) -> float:
    """1.0 when any gold item was retrieved at rank ≤ k."""
    return 1.0 if first_ranks and min(first_ranks) <= k else 0.0


def reciprocal_rank(first_ranks: Sequence[int], k: int = 10) -> float:
    """1/rank of the best gold item within the top k, else 0."""
    best = min(first_ranks) if first_ranks else None
    return 1.0 / best if best is not None and best <= k else 0.0


def ndcg_at(item_ranks: Sequence[int | None], k: int = 10) -> float:
    """Binary-relevance nDCG@k: one gain per gold item at the rank it was first retrieved (None = not retrieved).

    The ideal ranking puts every gold item (at most k) at the top, so retrieving both passages of a
    two-document question scores higher than retrieving one.
    """
    if not item_ranks:
        return 0.0
    dcg = sum(1.0 / math.log2(r + 1) for r in item_ranks if r is not None and r <= k)
    ideal = sum(1.0 / math.log2(i + 1) for i in range(1, min(len(item_ranks), k) + 1))
    return dcg / ideal


# -- answers --------------------------------------------------------------------------------------------------


def facts_found(answer: str, facts: list[list[str]]) -> list[bool]:
    """For each key fact: does any accepted spelling appear in the answer?"""
    text = squash(answer)
    return [any(squash(alt) in text for alt in alternatives) for alternatives in facts]


def numeric_fidelity(answer: str, cited_texts: Iterable[str]) -> float | None:
    """Share of the answer's numbers and dates that stand in a cited passage; None when it has none."""
    found = numbers_in(answer)
    if not found:
        return None
    return (len(found) - len(numbers_missing(found, cited_texts))) / len(found)


def citation_coverage(answer: str) -> float | None:
    """Share of answer sentences carrying at least one [n] marker; None for an empty answer."""
    sentences = answer_sentences(answer)
    if not sentences:
        return None
    return sum(1 for s in sentences if MARKER.search(s)) / len(sentences)


def citation_precision(cited: Sequence[int], supporting: set[int]) -> float | None:
    """Share of [n] markers whose passage supports the answer (holds a gold quote or a key fact)."""
    if not cited:
        return None
    return sum(1 for n in cited if n in supporting) / len(cited)


# -- short answers (SQuAD-style, for extraction benchmarks) ------------------------------------------------


def _tokens(text: str) -> list[str]:
    text = strip_markers(nfc(text)).lower()
    text = "".join(" " if ch in string.punctuation or ch in "“”‘’…–—" else ch for ch in text)
    return text.split()


def exact_match(prediction: str, references: Sequence[str]) -> float:
    """1.0 when the normalised prediction equals a normalised reference (lowercase, punctuation dropped)."""
    tokens = _tokens(prediction)
    return 1.0 if any(tokens == _tokens(ref) for ref in references) else 0.0


def token_f1(prediction: str, references: Sequence[str]) -> float:
    """Best syllable-token F1 of the prediction against any reference (SQuAD's definition)."""
    pred = _tokens(prediction)
    best = 0.0
    for ref in references:
        gold = _tokens(ref)
        if not pred or not gold:
            best = max(best, float(pred == gold))
            continue
        common = sum(min(pred.count(t), gold.count(t)) for t in set(gold))
        if common:
            precision, recall = common / len(pred), common / len(gold)
            best = max(best, 2 * precision * recall / (precision + recall))
    return best


# -- aggregation ----------------------------------------------------------------------------------------------


def mean(values: Iterable[float | None]) -> float | None:
    """Mean of the defined values, rounded to 4 places; None when none is defined."""
    defined = [v for v in values if v is not None]
    return round(sum(defined) / len(defined), 4) if defined else None


def percentile(values: Sequence[float], q: float) -> float | None:
    """The q-th percentile (q in 0–100) by linear interpolation, rounded to 0.01; None for no values.

    The one percentile of the project (eval scores and bench/ timings): the "inclusive" method, i.e. position
    (n-1)·q/100 in the sorted values, linear between the two neighbours — numpy's default ("linear"),
    statistics.quantiles(method="inclusive") and Excel's PERCENTILE.INC. Not nearest-rank: p95 of 20 timings is
    between the 19th and 20th, not the 19th.
    """
    if not values:
        return None
    # For any q, not only quantiles' cut points q=1..99.
    ordered = sorted(values)
    low = min(int((len(ordered) - 1) * q // 100), len(ordered) - 1)
    high = min(low + 1, len(ordered) - 1)
    delta = (len(ordered) - 1) * q - low * 100
    return round((ordered[low] * (100 - delta) + ordered[high] * delta) / 100, 2)


def refusal_scores(answerable: Sequence[bool], refused: Sequence[bool]) -> dict[str, float | None]:
    """Refusal precision (refusals that were right) and recall (unanswerable questions refused)."""
    refusals = [a for a, r in zip(answerable, refused, strict=True) if r]
    unanswerable = [r for a, r in zip(answerable, refused, strict=True) if not a]
    return {
        "refusal_precision": round(sum(1 for a in refusals if not a) / len(refusals), 4) if refusals else None,
        "refusal_recall": round(sum(unanswerable) / len(unanswerable), 4) if unanswerable else None,
    }
