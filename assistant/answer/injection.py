"""Prompt injection: does a question (or a history turn) ask to drop the rules, reveal the prompt, or answer from
outside the documents? Matched on folded, lowercased text, so it works with or without diacritics.
"""

from __future__ import annotations

import re

from core.vntext import fold, nfc

# Folded, lowercase patterns. An instruction to drop the rules names "all" of them or "the previous / system"
# ones: "bỏ qua quy tắc làm việc của Ban Chỉ đạo" is a question, "bỏ qua mọi quy tắc" is not.
_RULES = r"(?:huong dan|chi dan|quy tac|nguyen tac|lenh|cau lenh|rang buoc|thiet lap|prompt|loi nhac|yeu cau)"
_DROP = r"(?:bo qua|phot lo|quen|dung (?:tuan theo|tuan thu|lam theo|ap dung)|pha bo|ghi de|vo hieu hoa)"
_OVERRIDE = r"(?:ignore|disregard|forget|override|bypass)"
_EN_RULES = r"(?:instructions?|rules|prompts?|directions|guidelines|constraints|directives|programming|context)\b"
_INJECTION = [
    rf"\b{_DROP}\s+(?:di\s+)?(?:het\s+)?(?:tat ca|moi|toan bo|het)\s+(?:cac\s+|nhung\s+)?(?:\w+\s+)?{_RULES}\b",
    rf"\b{_DROP}\s+(?:di\s+)?(?:cac\s+|nhung\s+)?{_RULES}\s+(?:\w+\s+)?"
    r"(?:truoc|o tren|phia tren|ban dau|cua ban|he thong|duoc giao|da cho)\b",
    r"\bdong vai\b(?!\s+tro\b)",  # "đóng vai trò" is an ordinary phrase
    r"\b(?:gia vo|gia lam|hay tro thanh|hay hanh dong nhu)\b",
    r"\b(?:tu (?:bay )?gio|bay gio),? ban (?:la|se|phai)\b",
    r"\b(?:loi nhac|prompt|thong diep|chi dan) he thong\b",
    r"\b(?:tiet lo|in ra|hien thi|cho (?:toi )?xem|nhac lai|lap lai|viet ra)\b.{0,30}"
    r"\b(?:prompt|loi nhac|(?:chi dan|huong dan|quy tac|cau lenh) (?:cua ban|ban dau|goc|an))\b",
    r"\b(?:tra loi|dua vao|dung|su dung)\s+(?:bang\s+|theo\s+|dua tren\s+|tu\s+)?(?:kien thuc|hieu biet)\s+"
    r"(?:cua ban|rieng|ben ngoai|chung|san co)\b",
    r"\bkhong (?:can )?(?:dua vao|dua tren|can cu vao|theo|dung) (?:cac )?(?:tai lieu|van ban|doan)\b",
    r"\b(?:kien thuc|thong tin) ngoai tai lieu\b",
    r"\bche do (?:nha phat trien|developer|dan)\b",
    rf"\b{_OVERRIDE}\s+(?:(?:all|any|every)\s+(?:of\s+)?)?(?:the\s+|these\s+|those\s+)?"
    rf"(?:(?:previous|prior|above|earlier|preceding|initial|original|system|your|my|safety)\s+)+(?:\w+\s+)?{_EN_RULES}",
    rf"\b{_OVERRIDE}\s+(?:all|any|every)\s+(?:\w+\s+)?{_EN_RULES}|\b(?:forget|ignore|disregard) everything\b",
    r"\byou are now\b|\bfrom now on,? you\b|\b(?:pretend|roleplay|role-play)\b|(?:^|[.!?]\s*)(?:please\s+)?act as\b",
    r"\bsystem (?:prompt|message|instructions?)\b|\b(?:developer|dan|god) mode\b|\bjailbreak|\bdo anything now\b",
    r"\b(?:reveal|show|print|repeat|display|output|tell me)\b.{0,30}"
    r"\b(?:your|hidden|initial|original|secret)\s+(?:prompt|instructions|rules)\b",
    r"\b(?:answer|respond|reply|use)\b.{0,20}\b(?:your own|your|outside|general|external) (?:knowledge|training)\b",
]
_INJECTION_RE = re.compile("|".join(f"(?:{p})" for p in _INJECTION))


def looks_like_injection(question: str) -> bool:
    """Does the question ask to ignore or override the rules, reveal the prompt, or answer from outside?"""
    folded = re.sub(r"\s+", " ", fold(nfc(question)).lower())
    return _INJECTION_RE.search(folded) is not None
