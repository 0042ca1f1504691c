"""Counters and histograms of the serving process, written out in the Prometheus text format (GET /metrics).

Written by hand (the format is a few lines of text) rather than adding a dependency. Labels are bounded: routes
are the app's route templates ("/api/documents/{doc_id}", or "unmatched"), never raw paths.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)
Labels = tuple[tuple[str, str], ...]


@dataclass
class Histogram:
    counts: list[int] = field(default_factory=lambda: [0] * len(BUCKETS))
    total: float = 0.0
    n: int = 0

    def observe(self, value: float) -> None:
        for i, bound in enumerate(BUCKETS):
            if value <= bound:
                self.counts[i] += 1
        self.total += value
        self.n += 1


@dataclass(frozen=True)
class Gauge:
    name: str
    help: str
    value: float
    labels: Labels = ()


class Metrics:
    """What the API observed since the process started; safe to update from the event loop and worker threads."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.counters: dict[str, dict[Labels, float]] = {}
        self.histograms: dict[str, dict[Labels, Histogram]] = {}

    def inc(self, name: str, amount: float = 1, **labels: str) -> None:
        key = _labels(labels)
        with self._lock:
            series = self.counters.setdefault(name, {})
            series[key] = series.get(key, 0) + amount

    def observe(self, name: str, value: float, **labels: str) -> None:
        with self._lock:
            self.histograms.setdefault(name, {}).setdefault(_labels(labels), Histogram()).observe(value)

    def observe_request(self, route: str, method: str, status: int, seconds: float) -> None:
        self.inc("assistant_http_requests_total", route=route, method=method, status=str(status))
        self.observe("assistant_http_request_duration_seconds", seconds, route=route, method=method)

    def observe_answer(self, answer: Mapping[str, Any]) -> None:
        """An answer's mode, refusal, fallbacks and stage timings (its `timings_ms`)."""
        mode = str(answer.get("mode") or "unknown")
        self.inc("assistant_answers_total", mode=mode)
        if answer.get("refused"):
            self.inc("assistant_answers_refused_total", mode=mode)
        if answer.get("degraded"):
            self.inc("assistant_answers_degraded_total")
        if any(str(w).startswith("replaced") for w in answer.get("warnings") or []):
            self.inc("assistant_llm_answers_replaced_total")
        for stage, ms in (answer.get("timings_ms") or {}).items():
            self.observe("assistant_answer_stage_seconds", float(ms) / 1e3, stage=str(stage))

    def render(self, gauges: Iterable[Gauge] = ()) -> str:
        """The exposition text: HELP and TYPE, then one line per series (histograms as _bucket, _sum, _count)."""
        lines: list[str] = []
        with self._lock:
            for name in sorted(set(HELP) | set(self.counters) | set(self.histograms)):
                if name in self.histograms or name.endswith("_seconds"):
                    lines += _histogram_lines(name, self.histograms.get(name, {}))
                else:
                    lines += _header(name, "counter")
                    lines += [f"{name}{_fmt(k)} {_num(v)}" for k, v in sorted(self.counters.get(name, {}).items())]
        by_name: dict[str, list[Gauge]] = {}
        for gauge in gauges:
            by_name.setdefault(gauge.name, []).append(gauge)
        for name, series in by_name.items():
            lines += [f"# HELP {name} {series[0].help}", f"# TYPE {name} gauge"]
            lines += [f"{name}{_fmt(g.labels)} {_num(g.value)}" for g in series]
        return "\n".join(lines) + "\n"


HELP = {
    "assistant_http_requests_total": "HTTP requests by route template, method and status.",
    "assistant_http_request_duration_seconds": "HTTP request latency (to the end of the body) by route and method.",
    "assistant_answers_total": "Answers given (chat and stream) by mode.",
    "assistant_answers_refused_total": "Answers that were refusals (the documents do not say).",
    "assistant_answers_degraded_total": "Answers written by a fallback because the language model failed.",
    "assistant_llm_answers_replaced_total": "Language-model answers the checks replaced with the extractive one.",
    "assistant_answer_stage_seconds": "Time per answering stage (understand, retrieve, answer, total).",
    "assistant_rejected_total": "Requests refused by a limit, by reason (rate_limited, busy, body_too_large, host).",
}


def _histogram_lines(name: str, series: dict[Labels, Histogram]) -> list[str]:
    lines = _header(name, "histogram")
    for labels, hist in sorted(series.items()):
        for bound, count in zip(BUCKETS, hist.counts, strict=True):
            lines.append(f"{name}_bucket{_fmt(labels + (('le', _num(bound)),))} {count}")
        lines.append(f"{name}_bucket{_fmt(labels + (('le', '+Inf'),))} {hist.n}")
        lines.append(f"{name}_sum{_fmt(labels)} {_num(hist.total)}")
        lines.append(f"{name}_count{_fmt(labels)} {hist.n}")
    return lines


def _header(name: str, kind: str) -> list[str]:
    return [f"# HELP {name} {HELP.get(name, name)}", f"# TYPE {name} {kind}"]


def _labels(labels: Mapping[str, str]) -> Labels:
    return tuple(sorted(labels.items()))


def _fmt(labels: Labels) -> str:
    if not labels:
        return ""
    escaped = (v.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") for _, v in labels)
    return "{" + ",".join(f'{k}="{v}"' for (k, _), v in zip(labels, escaped, strict=True)) + "}"


def _num(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(float(value))
