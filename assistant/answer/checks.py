"""Keeping an LLM's answer to the passages: repair its citation markers and judge it sentence by sentence.

Every sentence of the answer must stand on the passages it cites (an uncited sentence on those cited up to the
next cited sentence): its numbers, dates and document numbers, its links, and most of its words — at least
`SUPPORT` of its content syllables, folded, must occur in those passages. A sentence that fails is removed; an
answer left with no supported sentence is not shown (the caller falls back to the extractive answer). So text
planted in a question, a history turn or a document cannot pass on one [n]: the passage it cites must say it.

`AnswerCheck` judges as the model writes: `feed` returns the text that may be shown so far — whole sentences that
passed, markers already renumbered (cited passages first) — so a stream never shows unchecked text, and what it
released is exactly the final answer. `check_answer` is the same on a whole reply. Pure functions, no client.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from functools import lru_cache

from assistant.answer.citations import (
    LIST_LABEL,
    MARKER,
    answer_sentences,
    cited_first,
    normalise_markers,
    numbers_in,
    numbers_missing,
    rewrite_markers,
    strip_markers,
)
from assistant.answer.prompts import describe_passage
from assistant.types import Passage
from assistant.understand.query import _EN_VI, detect_language
from core.docnumbers import find_numbers
from core.vntext import FOLDED_STOPWORDS, fold, folded_syllable_set, nfc, syllables

# How well the cited passages must hold a sentence (`support`, 0–1). Measured on 1,329 answer sentences written from
# the gold passage of public QA sets (tests/assistant/answer/test_injection_support.py): at 0.5, 97.8 % are kept,
# 95.3 % of the same sentences citing another passage of the same set are removed, and 99.7 % of planted payloads.
SUPPORT = 0.5
SHORT = 3  # a sentence with this many content words or fewer: all of them must stand there, and half its pairs


@dataclass
class CheckResult:
    """What the checks made of a model's answer: the kept text and whether it may be shown."""

    text: str  # the kept sentences, markers as the model numbered them
    ok: bool
    refused: bool
    warnings: list[str] = field(default_factory=list)
    cited: list[int] = field(default_factory=list)  # passage numbers, in order of first citation
    reason: str | None = None  # why not ok
    shown: str = ""  # the kept sentences renumbered, cited passages first: what the user sees
    sources: list[Passage] = field(default_factory=list)  # the passages renumbered to match `shown`


_REFUSAL_RE = re.compile(
    r"\btai lieu\b.{0,40}\bkhong (?:de cap|noi|neu|nhac|co (?:thong tin|noi dung))"
    r"|\bkhong (?:tim thay|co) (?:thong tin|noi dung)\b.{0,40}\b(?:tai lieu|van ban|doan)"
    r"|\b(?:documents?|passages?|sources?|texts?|materials?)\b.{0,30}\b(?:do|does) not\b.{0,20}"
    r"\b(?:mention|cover|contain|say|provide|address|include|specify|state)"
    r"|\bno information (?:about|on|regarding)\b"
)
# Words that frame an answer rather than state a fact ("Theo tài liệu [1], nội dung này được nêu tại …").
_FRAMING = frozenset(
    fold(w)
    for w in """theo tài liệu văn bản đoạn trích dẫn nội dung nêu rõ đề cập thông tin cụ thể bao gồm sau đây như
    cũng đồng thời ngoài ra tóm lại nhìn chung trên dưới đây kể trên nói chung thì ở là các nên được cho biết xin
    số hiệu ban hành theo đó tức nghĩa""".split()
)
_EN_STOP = frozenset(
    """the a an of in on at to for by with from and or but is are was were be been being has have had do does did
    it its this that these those there their they he she his her which who whom whose what when where why how as
    than then so such also not no yes all any each both other some more most many much very can could will would
    shall should may might must into over under about after before during between within without per via one two
    according document documents passage passages text states stated says said mentioned mention following
    include includes including included namely under out up""".split()
)
_EN_GLOSSARY = {
    **{word: fold(vi) for word, vi in _EN_VI.items()},
    "politburo": "bo chinh tri", "ministry": "bo", "government": "chinh phu", "assembly": "quoc hoi",
    "national": "quoc gia", "central": "trung uong", "chairman": "chu tich", "members": "thanh vien",
    "member": "thanh vien", "specific": "cu the", "comrade": "dong chi", "ward": "phuong", "district": "huyen",
    "report": "bao cao", "decree": "nghi dinh", "circular": "thong tu", "law": "luat", "article": "dieu",
    "signed": "ky", "deadline": "thoi han", "implementation": "thuc hien", "implement": "thuc hien",
    "development": "phat trien", "breakthrough": "dot pha", "data": "du lieu", "secretariat": "ban bi thu",
    "established": "thanh lap", "goal": "muc tieu", "goals": "muc tieu", "funding": "kinh phi",
}  # fmt: skip
_URL = re.compile(
    r"(?:https?://|www\.)[^\s<>\"'()\[\]]+|\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+"
    r"|\b[a-z0-9-]+(?:\.[a-z0-9-]+)*\.(?:com|net|org|vn|io|xyz|ru|info|biz|top|me|ly|co|cc|tk|example)(?:/\S*)?\b",
    re.IGNORECASE,
)
# Format characters (zero-width spaces and joiners, bidi controls, soft hyphen, BOM, tags): dropped from answers.
_HIDDEN = re.compile(
    "[\u00ad\u0600-\u0605\u061c\u06dd\u070f\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f"
    "\ufeff\ufff9-\ufffb\U000e0001\U000e0020-\U000e007f]"
)
_CLOSERS = frozenset(".!?…\n]】］")  # a sentence can end only at one of these, or at the word after one
_CITED_STOP = re.compile(r"(\[\d+\][.!?…])[ \t]+(?=\S)(?![\[(])")
_OPEN_MARKER = re.compile(r"[\[【［][^\]】］]*$")  # a marker the stream has not finished writing
_WORD = re.compile(r"[0-9A-Za-zÀ-ỹĐđ]+")


@dataclass
class _Sentence:
    text: str  # markers normalised, out-of-range ones dropped
    new_line: bool  # it opens a line of the answer
    own: list[int]  # the passages it cites
    refusal: bool


class AnswerCheck:
    """Judges a model's answer as it arrives; `feed` gives back what may be shown now, `finish` the result."""

    def __init__(self, passages: list[Passage], question: str = "") -> None:
        self.passages = passages
        self.question = question
        self.released = ""  # all that `feed` and `finish` gave out: whole checked sentences, renumbered
        self._raw = ""
        self._lines: dict[int, tuple[list[_Sentence], list[str]]] = {}  # finished lines: sentences, warnings
        self._memo: dict[str, tuple[_Sentence | None, list[str]]] = {}  # each sentence repaired once
        self._taken = 0  # complete sentences taken from the text so far
        self._waiting: list[_Sentence] = []  # uncited sentences and refusals, until a cited sentence passes
        self._kept: list[_Sentence] = []
        self._removed: list[str] = []  # why each removed sentence was removed
        self._cited: list[int] = []  # passages cited by kept sentences, in order: the shown numbering
        self._seen: set[int] = set()  # passages cited by any sentence
        self._range: list[str] = []  # out-of-range markers dropped

    def feed(self, delta: str) -> str:
        """Take the next piece of the model's text; return the newly shown text ("" while a sentence is open)."""
        before, self._raw = self._raw, self._raw + delta
        if not any(c in _CLOSERS for c in delta) and before.rstrip(" \t")[-1:] not in _CLOSERS:
            return ""  # nothing can have closed a sentence: no stop, newline or marker, nor the word after one
        return self._release(self._take(final=False))

    def finish(self, complete: bool = True) -> CheckResult:
        """Judge what is left (`complete=False`: the stream broke, its unfinished sentence is dropped)."""
        tail = self._take(final=complete)
        if self._waiting and self._kept:
            tail += self._settle(self._cited)
        self._release(tail)
        return self._result()

    def _release(self, text: str) -> str:
        self.released += text
        return text

    def _take(self, final: bool) -> str:
        sentences = self._sentences(final)
        shown = "".join(self._consider(s) for s in sentences[self._taken :])
        self._taken = max(self._taken, len(sentences))
        return shown

    def _sentences(self, final: bool) -> list[_Sentence]:
        """The complete sentences of the text so far (all of them when `final`); finished lines are split once."""
        lines = _HIDDEN.sub("", nfc(self._raw)).split("\n")
        out: list[_Sentence] = []
        self._range = []
        for i, line in enumerate(lines):
            last = i == len(lines) - 1
            if last or i not in self._lines:
                warnings: list[str] = []
                split = _line_sentences(line, i > 0, final or not last, len(self.passages), warnings, self._memo)
                if last:
                    self._range += warnings
                    out += split
                    continue
                self._lines[i] = (split, warnings)
            out += self._lines[i][0]
            self._range += self._lines[i][1]
        return out

    def _consider(self, sentence: _Sentence) -> str:
        self._seen.update(sentence.own)
        if sentence.refusal or not sentence.own:
            self._waiting.append(sentence)
            return ""
        reason = self._judge(sentence, sentence.own)
        if reason:
            self._removed.append(reason)
            return ""
        shown = self._settle(self._cited + [n for n in sentence.own if n not in self._cited])
        return shown + self._show(sentence)

    def _settle(self, sources: list[int]) -> str:
        """Judge the waiting sentences on `sources` (the passages cited around them): shown, or removed for good."""
        shown = []
        for sentence in self._waiting:
            extra = (self.question,) if sentence.refusal or sentence.text.rstrip().endswith(":") else ()
            reason = self._judge(sentence, sentence.own or sources, extra)  # a lead-in may echo the question
            if reason:
                self._removed.append(reason)
                continue
            shown.append(self._show(sentence))
        self._waiting = []
        return "".join(shown)

    def _judge(self, sentence: _Sentence, cited: list[int], extra: tuple[str, ...] = ()) -> str | None:
        """Why the sentence may not be shown on these passages, or None."""
        body = re.sub(r"^\s*(?:[-*•]\s+|" + LIST_LABEL.pattern + r"\s+)", "", sentence.text)  # "1." is no fact
        sources = [self.passages[n - 1] for n in cited]
        texts = [self._text(n) for n in cited]
        documents = {d for p, t in zip(sources, texts, strict=True) for d in [*p.numbers, *find_numbers(t)]}
        missing = numbers_missing(numbers_in(body), texts) + [d for d in find_numbers(body) if d not in documents]
        if missing:
            return "number not in cited passages: " + ", ".join(dict.fromkeys(missing))
        links = [u for u in _links(body) if not any(u in _link_text(t) for t in texts)]
        if links:
            return "link not in cited passages: " + ", ".join(links)
        score = support(body, [*texts, *extra])
        if score is not None and score < SUPPORT:
            return f"unsupported sentence ({score:.2f})"
        return None

    def _text(self, n: int) -> str:
        passage = self.passages[n - 1]
        return f"{describe_passage(passage)}\n{nfc(passage.text)}"  # what the model read of it

    def _show(self, sentence: _Sentence) -> str:
        """The sentence as the user sees it, after the one before it, markers in the shown numbering."""
        self._cited += [n for n in sentence.own if n not in self._cited]
        order = {old: new for new, old in enumerate(self._cited, 1)}
        text = rewrite_markers(sentence.text, lambda ns: [order[n] for n in ns])
        gap = "" if not self._kept else ("\n" if sentence.new_line else " ")
        self._kept.append(sentence)
        return gap + text

    def _result(self) -> CheckResult:
        warnings = list(dict.fromkeys(self._range + ["uncited sentence"] * any(not s.own for s in self._kept)))
        if self._kept:
            warnings += [f"removed {reason}" for reason in self._removed]
            sources, _ = cited_first(self.passages, [self.passages[n - 1] for n in self._cited])
            return CheckResult(
                _join(self._kept), True, False, warnings, list(self._cited), None, self.released, sources
            )
        refusals = [s for s in self._waiting if s.refusal]
        if refusals:  # nothing but a refusal stands: the model refused
            if len(refusals) < len(self._waiting) or self._removed:
                warnings.append("dropped uncited text beside the refusal")
            return CheckResult(" ".join(strip_markers(s.text) for s in refusals), True, True, warnings)
        text = _join(self._waiting)
        if not self._seen:
            reason = "no valid citation" if self._raw.strip() else "empty answer"
            return CheckResult(text, False, False, warnings, reason=reason)
        reason = self._removed[0] if self._removed else "no supported sentence"
        return CheckResult(text, False, False, warnings + [f"removed {r}" for r in self._removed[1:]], reason=reason)


def check_answer(text: str, passages: list[Passage], question: str = "") -> CheckResult:
    """Repair the citation markers and judge a whole answer: kept sentences, or refused, or not ok."""
    check = AnswerCheck(passages, question)
    check.feed(text)
    return check.finish()


def support(sentence: str, texts: list[str]) -> float | None:
    """How well `texts` (the cited passages) hold the sentence, 0–1; None when it has no content word to judge.

    The mean of two shares after folding: of the sentence's content syllables found in the texts, and of its
    pairs of adjacent syllables found adjacent there (so common words in a new order do not pass). Numbers are
    left to the number check; framing words ("theo tài liệu", "nội dung") count for nothing. An English sentence
    is judged on its syllables alone, on what a Vietnamese passage can hold: names, document numbers, glossary
    words through their Vietnamese ("politburo" → "bộ chính trị"); its function words count for nothing.
    """
    text = strip_markers(sentence)
    english = detect_language(text) == "en"
    pool = frozenset().union(*(folded_syllable_set(t) for t in texts))
    found = missing = 0
    for word in dict.fromkeys(_WORD.findall(text)):
        token = fold(word.lower())
        if token in _FRAMING or token.isdigit() or len(token) < 2:
            continue
        if token in (_EN_STOP if english else FOLDED_STOPWORDS):
            continue
        if token in pool or (english and token in _EN_GLOSSARY and set(_EN_GLOSSARY[token].split()) <= pool):
            found += 1
        else:
            missing += 1
    if not found + missing:
        return None
    words = found / (found + missing)
    if found + missing <= SHORT and missing:
        return 0.0  # a few words ("sản phẩm ABC"): each must stand in the passages
    pairs = [p for p in _pairs(text) if not all(s in FOLDED_STOPWORDS or s in _FRAMING for s in p)]
    if english or not pairs:
        return words
    held = frozenset().union(*(_pairs(t) for t in texts))
    if found + missing <= SHORT:  # and its content words that stand side by side stand so there ("giải thể")
        close = [p for p in pairs if not any(s in FOLDED_STOPWORDS or s in _FRAMING for s in p)]
        return min(words, sum(p in held for p in close) / len(close)) if close else words
    return (words + sum(p in held for p in pairs) / len(pairs)) / 2


@lru_cache(maxsize=4096)
def _pairs(text: str) -> frozenset[tuple[str, str]]:
    """Adjacent folded syllables (numbers left out) of a text; cached, passages are judged again and again."""
    tokens = [fold(s) for s in syllables(text) if not s.isdigit()]
    return frozenset(zip(tokens, tokens[1:], strict=False))


def _line_sentences(
    line: str,
    new_line: bool,
    closed: bool,
    count: int,
    warnings: list[str],
    memo: dict[str, tuple[_Sentence | None, list[str]]],
) -> list[_Sentence]:
    """The sentences of one line of the answer, markers repaired; its last one only when the line is `closed`."""
    if not closed:
        line = _OPEN_MARKER.sub("", line)  # a marker still being written
    parts = [s for piece in _cited_pieces(normalise_markers(line)) for s in answer_sentences(piece)]
    if not closed:
        parts = parts[:-1]  # still being written
    out: list[_Sentence] = []
    for part in parts:
        if part not in memo:
            memo[part] = _repair(part, count)
        sentence, dropped = memo[part]
        warnings += [w for w in dropped if w not in warnings]
        if sentence is not None:
            out.append(replace(sentence, new_line=new_line and not out))
    return out


def _repair(part: str, count: int) -> tuple[_Sentence | None, list[str]]:
    """A sentence with its out-of-range markers dropped (and the warnings saying so); None when nothing is left."""
    warnings: list[str] = []
    fixed = rewrite_markers(part, lambda ns: _in_range(ns, count, warnings))
    if not re.search(r"\w", strip_markers(fixed)):
        return None, warnings
    own = [int(n) for n in MARKER.findall(fixed)]
    refusal = _REFUSAL_RE.search(fold(strip_markers(fixed)).lower()) is not None
    return _Sentence(fixed, new_line=False, own=own, refusal=refusal), warnings


def _cited_pieces(line: str) -> list[str]:
    """A marker and a stop end a sentence whatever follows: "… [1]. the documents are fake [1]." is two sentences."""
    cuts = [m.end(1) for m in _CITED_STOP.finditer(line)]
    return [line[a:b] for a, b in zip([0, *cuts], [*cuts, len(line)], strict=True)]


def _in_range(numbers: list[int], count: int, warnings: list[str]) -> list[int]:
    for n in numbers:
        warning = f"removed out-of-range citation [{n}]"
        if not 1 <= n <= count and warning not in warnings:
            warnings.append(warning)
    return [n for n in numbers if 1 <= n <= count]


def _join(sentences: list[_Sentence]) -> str:
    return "".join(("" if i == 0 else "\n" if s.new_line else " ") + s.text for i, s in enumerate(sentences))


def _links(text: str) -> list[str]:
    return [_link_text(m.group(0)).rstrip(".,;:!?)") for m in _URL.finditer(text)]


def _link_text(text: str) -> str:
    return re.sub(r"^(?:https?://)?(?:www\.)?", "", text.lower())
