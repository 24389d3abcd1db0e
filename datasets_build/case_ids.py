"""Case and ticket IDs found by their context: a case/ticket/reference word (Swedish or English), optional
punctuation ("nr", ":", "-ID"), then an ID-shaped token; plus ticket-system forms that need no context.

The configured patterns (`pii.case_id_patterns`) only know the forms someone listed; real support mail has
many more (Jira `ABC-1234`, ServiceNow `INC0012345`, `ÄR-2024-88123`, `Ärendenr 2024-12345`). What they share
is the word in front, so that is what this looks for. Prices, dates, versions, quantities and phone numbers
stay out: a token must hold at least five digits (or be a Jira key), and one that is a date, is followed by
a currency or a unit, is a decimal, or runs on into more digit groups (a phone number, "12 500") is left alone.
"""

from __future__ import annotations

import re
from datetime import date

# The words, each with the glued or dashed forms of "number"/"ID" that follow it; definite and compound
# Swedish forms included (ärendet, ärendenumret, supportärende, kundreferens).
_WORD = (r"(?:support|kund|service)?(?:ärende(?:t|n|na|ts)?(?:nummer|numret|nr|referens|id)?|"
         r"case|ticket|incident|request|issue|reference|referens(?:en|nummer|numret|nr)?|ref|"
         r"felanmälan|serviceorder)")
_NUMBER = r"(?:[ -]?(?:id|nr|no|num|number|nummer|numret|ref)\b\.?)?"
_LINK = r"[ \t]*(?:[:#=]|nr\.?|no\.?|(?:is|är|was|var|blir|becomes)(?=[ \t]))?[ \t]*:?[ \t]*"
_CONTEXT = re.compile(rf"(?i){_WORD}{_NUMBER}(?![^\W\d_]){_LINK}(?P<id>[^\W_](?:[\w/-]*[^\W_])?)(?![\w/-])")
# Ticket systems whose IDs are unmistakable without a word in front: ServiceNow's glued prefixes.
_SERVICENOW = re.compile(r"\b(?:INC|REQ|RITM|CHG|PRB|SCTASK|TASK)\d{5,10}\b")
_JIRA = re.compile(r"[A-Z][A-Z0-9]{1,9}-\d{3,}")
# Where a context match can start: a stem of one of the words, found in the lower-cased text, and how many
# characters before it the word starts at most (the walk back to the word's start does the rest).
_STEMS = ("rende", "case", "ticket", "incident", "request", "issue", "ref", "felanm", "serviceorder")
_AFTER_NOT_ID = re.compile(
    r"[ \t]*(?:kr\b|sek\b|kronor|eur\b|usd\b|:-|€|\$|%|st\b|pcs\b|units?\b|items?\b|stycken|enheter|kg\b|"
    r"[.,]\d|\s\d)", re.IGNORECASE)
_DATE = re.compile(r"(\d{4})-(\d\d)-(\d\d)|(\d\d)/(\d\d)/(\d{4})")
# "in case 15000 people come": the English idiom, not a case.
_IDIOM_BEFORE = re.compile(r"(?i)\b(?:in|just in|any)\s+\Z")


def idiom(text: str, start: int) -> bool:
    """The word at `start` is the "case" of "in case" / "just in case", not a case."""
    return text[start:start + 4].lower() == "case" and _IDIOM_BEFORE.search(text, max(0, start - 12), start) is not None


def _is_date(token: str) -> bool:
    m = _DATE.fullmatch(token)
    if m is None:
        return False
    y, mo, d = (m.group(1), m.group(2), m.group(3)) if m.group(1) else (m.group(6), m.group(5), m.group(4))
    try:
        date(int(y), int(mo), int(d))
    except ValueError:
        try:
            date(int(y), int(d), int(mo))  # 05/06/2024 either way round
        except ValueError:
            return False
    return True


def id_shaped(token: str) -> bool:
    """Letters, digits and dashes with at least five digits in all, or a Jira-style key; never a date."""
    digits = sum(c.isdigit() for c in token)
    if digits < 5 and not (_JIRA.fullmatch(token) and digits >= 3):
        return False
    return not _is_date(token)


def _starts(text: str) -> list[int]:
    """Where the words may start: at each stem, walked back over the letters before it."""
    low = text.lower()
    if len(low) != len(text):  # a character whose lower case is longer ('İ'): no shared offsets
        return [m.start() for m in re.finditer(r"\b\w", text)]
    out = set()
    for stem in _STEMS:
        i = low.find(stem)
        while i != -1:
            s = i
            while s > 0 and text[s - 1].isalpha() and i - s < 8:
                s -= 1
            out.add(s)
            i = low.find(stem, i + 1)
    return sorted(out)


def find(text: str) -> list[tuple[int, int]]:
    """Spans of the case IDs that the context (or a ticket system's own form) marks, leftmost first."""
    spans: list[tuple[int, int]] = []
    if "INC" in text or "REQ" in text or "RITM" in text or "CHG" in text or "PRB" in text or "TASK" in text:
        spans += [m.span() for m in _SERVICENOW.finditer(text)]
    end = 0
    for s in _starts(text):
        if s < end or (s > 0 and (text[s - 1].isalnum() or text[s - 1] == "_")):
            continue
        m = _CONTEXT.match(text, s)
        if m is None:
            continue
        token = m.group("id")
        if not id_shaped(token) or _AFTER_NOT_ID.match(text, m.end()):
            continue
        if idiom(text, s):
            continue
        spans.append(m.span("id"))
        end = m.end()
    return sorted(set(spans))
