"""Checks specific to the question set over the NQ 57 policy documents (the generic ones: test_question_set.py)."""

from __future__ import annotations

import re
from collections import Counter

import pytest

from tests.eval.question_sets import NQ57_POLICY, NQ57_SOURCES

if not NQ57_POLICY.documents_dir.is_dir():
    pytest.skip(f"../shared/data/nq57_policy_documents not found: {NQ57_POLICY.documents_dir}", allow_module_level=True)


def test_question_ids_follow_p_pattern():
    bad = [q["id"] for q in NQ57_POLICY.questions if not re.fullmatch(r"p\d{3}", q["id"])]
    assert not bad, bad


def test_task_table_and_targets_covered():
    """Phụ lục I targets and Phụ lục II tasks of 03/NQ-CP, and every source document, are used."""
    docs = Counter(g["doc"] for q in NQ57_POLICY.questions for g in q["gold"])
    assert NQ57_SOURCES - {"nq57_with_kl69_nq20_and_comparison.md"} <= set(docs), docs
    table_quotes = [
        g.get("quote", "")
        for q in NQ57_POLICY.questions
        for g in q["gold"]
        if g["doc"] == "nq03_ncp_2025_with_appendices.md"
    ]
    assert sum("|" in quote for quote in table_quotes) >= 10
