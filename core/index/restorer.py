"""The diacritic restorer: puts accents back on a query typed without them, from the corpus's own bigrams."""

from __future__ import annotations

import json
import math
from collections import Counter, defaultdict
from pathlib import Path

from core.vntext import fold, syllables


class DiacriticRestorer:
    """Puts diacritics back on a query typed without them, from the corpus's own syllable bigrams.

    Dense models read "nghi quyet" as noise; "nghị quyết" they understand. A Viterbi pass picks, for
    each folded syllable, the accented form the corpus makes most likely next to its neighbours.
    """

    def __init__(self, unigrams: dict[str, dict[str, int]], bigrams: dict[str, int]) -> None:
        self.unigrams = unigrams  # folded syllable -> {accented form: count}
        self.bigrams = bigrams  # "a b" (accented) -> count
        self._total = sum(sum(forms.values()) for forms in unigrams.values()) or 1

    @classmethod
    def train(cls, texts: list[str]) -> DiacriticRestorer:
        unigrams: dict[str, Counter[str]] = defaultdict(Counter)
        bigrams: Counter[str] = Counter()
        for text in texts:
            syl = syllables(text)
            for s in syl:
                unigrams[fold(s)][s] += 1
            bigrams.update(f"{a} {b}" for a, b in zip(syl, syl[1:], strict=False))
        return cls({k: dict(v.most_common(6)) for k, v in unigrams.items()}, dict(bigrams))

    def save(self, path: Path) -> None:
        path.write_text(json.dumps({"unigrams": self.unigrams, "bigrams": self.bigrams}), encoding="utf-8")

    @classmethod
    def load(cls, path: Path) -> DiacriticRestorer:
        data = json.loads(path.read_text(encoding="utf-8"))
        return cls(data["unigrams"], data["bigrams"])

    def _unigram_logp(self, form: str, folded: str) -> float:
        return math.log((self.unigrams.get(folded, {}).get(form, 0) + 0.1) / self._total)

    def _bigram_logp(self, prev: str, form: str, folded: str) -> float:
        count = self.bigrams.get(f"{prev} {form}", 0)
        prev_count = sum(self.unigrams.get(fold(prev), {}).values()) or 1
        if count:
            return math.log(count / prev_count)
        return math.log(0.05) + self._unigram_logp(form, folded)  # back off to the unigram

    def restore(self, text: str) -> str:
        """Return the syllables of text with the corpus's most likely diacritics."""
        words = syllables(text)
        if not words:
            return text
        lattice = [list(self.unigrams.get(w, {}).keys()) or [w] for w in words]
        best = {form: (self._unigram_logp(form, words[0]), [form]) for form in lattice[0]}
        for i in range(1, len(words)):
            step = {}
            for form in lattice[i]:
                options = (
                    (lp + self._bigram_logp(prev, form, words[i]), path + [form]) for prev, (lp, path) in best.items()
                )
                step[form] = max(options, key=lambda item: item[0])
            best = step
        return " ".join(max(best.values(), key=lambda item: item[0])[1])
