"""PII masking: Swedish personnummer/samordningsnummer, email addresses, phone numbers and case IDs.

`mask(text)` returns the masked text and the spans it replaced, as (start, end, kind) in the *input*
text, kind one of personnummer/email/phone/case_id. One cheap scan finds number-like clusters; each
candidate inside is then confirmed (Luhn + a real calendar date for personnummer; phonenumbers'
metadata, with its matcher as the fallback, for phone numbers), so prices, dates, quantities, version
numbers and numbers with a wrong check digit stay as they are.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date
from functools import lru_cache
from typing import Any

from datasets_build import case_ids

PLACEHOLDER = {"personnummer": "<PERSONNUMMER>", "email": "<EMAIL>", "phone": "<PHONE>", "case_id": "<CASE_ID>"}
KINDS = tuple(PLACEHOLDER)

# Defaults for "CASE-2024-001234", "SR-1234567", "#123456", "ärende 123456". A named group `id` masks
# only the identifier and keeps the word in front of it. Each starts with a literal or a narrow class
# because a pattern that starts with a look-behind makes Python's re try every position slowly.
DEFAULT_CASE_PATTERNS = (
    r"\b(?:[A-Z]{2,6}-(?:19|20)\d\d-\d{4,8}|(?:SR|INC|REQ|CS|TKT|CASE)-\d{5,10})\b",
    r"#\d{5,10}\b",
    r"(?:[Ää]rende|ÄRENDE|[Cc]ase|CASE|[Tt]icket|TICKET)(?:nummer|nr)?(?:\s+(?:nr|no|number|nummer)\.?)?"
    r"[\s:]*(?P<id>\d{5,12})\b",
)
# Cheap exact tests that rule a default pattern out before its regex scans the text (each costs ~10 µs
# per answer otherwise). The first two patterns have their own fast scans (_dash_ids, a literal '#');
# the third can only match where one of its words starts, so it is tried only there (_case_word_ids).
_DASH_DIGIT = re.compile(r"-\d")
# Where a match of the third default pattern can start: at one of its words, found here as a substring
# and how many characters before it the word starts (the first letter of [Ää]rende and [Tt]icket).
_CASE_WORDS = (("rende", 1), ("RENDE", 1), ("Case", 0), ("case", 0), ("CASE", 0), ("icket", 1), ("ICKET", 1))
# Runs of digits with the separators numbers are written with; every personnummer and phone lies in one.
# The cluster is `[+(]?\d[\d \-+()/]{4,26}\d`; the optional lead is added back by hand (_clusters) because a
# pattern that starts with a digit lets `re` skip to candidate positions in C, about twice as fast.
_CLUSTER = re.compile(r"\d[\d \-+()/]{4,26}\d")
# The same with \d as [0-9], a quarter cheaper to scan: equal in a text of Latin-1 characters only (the
# first decimal digit past 9 is U+0660), which most are.
_CLUSTER_NARROW = re.compile(_CLUSTER.pattern, re.ASCII)
_PNR = re.compile(r"(?P<date>\d{6}(?:\d\d)?)(?P<sep>[-+]?)(?P<tail>\d{4})")
_PNR_BARE = re.compile(r"(?P<date>\d{6})(?P<sep>[-+]?)(?P<tail>\d{4})")
_PHONE = re.compile(r"(?:\+|\(\d|0)[\d \-()/]{5,22}\d")
_US_PLAIN = re.compile(r"\d{3}-\d{3}-\d{4}")
_EMAIL_DOMAIN = re.compile(r"[\w-]+(?:\.[\w-]+)*\.[A-Za-z]{2,24}\b")
# The characters of an email's local part (\w is exactly str.isalnum() plus '_'); \Z is the '@' (endpos).
_EMAIL_LOCAL = re.compile(r"[\w.%+-]+\Z")
_NON_DIGIT = re.compile(r"\D")
_DIGIT = re.compile(r"\d")
_PNR_CONTEXT = re.compile(r"(?i)(personnummer|pnr|samordningsnummer|personal (?:identity )?number|id number)")
# Luhn's doubled digit, digit-summed: 2*d, less 9 when that is over 9 (still one digit for 0-9).
_LUHN_DOUBLE = str.maketrans("0123456789", "0246813579")
_PHONE_TYPES = ("fixed_line", "mobile", "toll_free", "premium_rate", "shared_cost", "personal_number", "voip",
                "pager", "uan", "voicemail")


def luhn_ok(digits: str) -> bool:
    if digits.isascii() and digits.isdigit():
        # Fast path, same sum: double every other digit by a translate table, then add all digits in C
        # as their ASCII codes, less 48 ('0') each.
        return (sum((digits[::2].translate(_LUHN_DOUBLE) + digits[1::2]).encode()) - 48 * len(digits)) % 10 == 0
    total = 0
    for i, ch in enumerate(digits):
        d = ord(ch) - 48
        if i % 2 == 0:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total % 10 == 0


def _real_date(year: int, month: int, day: int) -> bool:
    try:
        date(year, month, day)
    except ValueError:
        return False
    return True


def is_personnummer(date_part: str, tail: str) -> bool:
    """Luhn over YYMMDDNNNC plus a real date (day + 60 for samordningsnummer); century optional."""
    if len(date_part) == 8 and date_part[:2] not in ("18", "19", "20"):
        return False
    if not luhn_ok(date_part[-6:] + tail):
        return False
    yy, month, day = int(date_part[-6:-4]), int(date_part[-4:-2]), int(date_part[-2:])
    if day > 60:
        day -= 60
    if 1 <= month <= 12 and 1 <= day <= 28:  # a real date in every year, so in every century too
        return True
    if len(date_part) == 8:
        return _real_date(int(date_part[:4]), month, day)
    # Without the century, accept the date in any century it could be (29 February needs a leap year).
    return any(_real_date(c * 100 + yy, month, day) for c in (18, 19, 20))


@lru_cache(maxsize=1)
def _phonenumbers() -> Any:
    import phonenumbers

    return phonenumbers


@lru_cache(maxsize=64)
def _region_pattern(region: str) -> tuple[re.Pattern[str] | None, str]:
    """All number-type patterns of a region's phonenumbers metadata as one regex, plus its trunk prefix."""
    md = _phonenumbers().PhoneMetadata.metadata_for_region(region)
    if md is None:
        return None, ""
    parts = [getattr(md, t).national_number_pattern for t in _PHONE_TYPES
             if getattr(md, t, None) is not None and getattr(md, t).national_number_pattern]
    return (re.compile("|".join(f"(?:{p})" for p in parts)) if parts else None), md.national_prefix or ""


@lru_cache(maxsize=64)
def _min_length(region: str) -> int:
    """The fewest national digits a number of `region` can have (phonenumbers' possible lengths)."""
    md = _phonenumbers().PhoneMetadata.metadata_for_region(region)
    lengths = md.general_desc.possible_length if md is not None and md.general_desc is not None else ()
    return min(lengths) if lengths else 0


def _valid_by_metadata(candidate: str, regions: tuple[str, ...]) -> bool:
    """What is_valid_number decides, minus parse()'s cost: the metadata patterns for the number's region."""
    digits = _NON_DIGIT.sub("", candidate)
    if candidate.startswith("+") or digits.startswith("00"):
        digits = digits[2:] if not candidate.startswith("+") else digits
        cc_map = _phonenumbers().COUNTRY_CODE_TO_REGION_CODE
        for n in (1, 2, 3):
            for region in cc_map.get(int(digits[:n]) if digits[:n].isdigit() else -1, ()):
                pattern, _ = _region_pattern(region)
                if pattern is not None and pattern.fullmatch(digits[n:]):
                    return True
        return False
    for region in regions:
        pattern, trunk = _region_pattern(region)
        national = digits[len(trunk):] if trunk and digits.startswith(trunk) else digits
        if pattern is not None and pattern.fullmatch(national):
            return True
    return False


@lru_cache(maxsize=4096)  # pure in the candidate alone, and the matcher fallback costs half a millisecond
def _phone_spans_in(chunk: str, regions: tuple[str, ...]) -> tuple[tuple[int, int], ...]:
    """Phone numbers inside one candidate, as offsets into it; a national form (leading 0) is tried in each
    region in turn."""
    start = 0
    if chunk.startswith("(0"):
        start = 1  # "(070-123 45 67)": a national number in brackets, not a US area code
        chunk = chunk[1:]
    if chunk.startswith("("):
        regions = ("US",)
    trimmed = chunk.rstrip(" -/(")
    if trimmed.endswith(")") and trimmed.count(")") > trimmed.count("("):
        trimmed = trimmed[:-1].rstrip(" -/")
    if _valid_by_metadata(trimmed, regions):
        return ((start, start + len(trimmed)),)
    pn = _phonenumbers()
    digits = _NON_DIGIT.sub("", chunk)
    international = chunk.lstrip("(").startswith("+") or digits.startswith("00")
    for region in regions:
        # Too few digits for any number of the region ("1 044 000 kr" holds "044 000"): the matcher,
        # which costs half a millisecond, could find nothing valid in it.
        _, trunk = _region_pattern(region)
        national = digits[len(trunk):] if trunk and digits.startswith(trunk) else digits
        if not international and len(national) < _min_length(region):
            continue
        found = tuple((start + m.start, start + m.end)
                      for m in pn.PhoneNumberMatcher(chunk, region, leniency=pn.Leniency.VALID))
        if found:
            return found
    return ()


def _dash_ids(text: str, rx: re.Pattern[str]) -> list[re.Match[str]]:
    """rx.finditer(text) for the first default case pattern (`\\b[A-Z]{2,6}-<digits>...`), ~3x faster.

    Every match is a run of 2-6 capitals right before a "-digit"; `re` cannot skip ahead to a pattern that
    starts with \\b, so the scan starts from each "-digit" instead (no two such matches can overlap: a
    match holds no capital after its first dash)."""
    out = []
    for d in _DASH_DIGIT.finditer(text):
        i = s = d.start()
        while s > 0 and "A" <= text[s - 1] <= "Z" and i - s < 7:
            s -= 1
        if 2 <= i - s <= 6:
            m = rx.match(text, s)  # \\b at s still sees text[s - 1]
            if m is not None:
                out.append(m)
    return out


def _case_word_ids(text: str, rx: re.Pattern[str]) -> list[re.Match[str]]:
    """rx.finditer(text) for the third default case pattern (`(?:[Ää]rende|...|TICKET)...`), much faster.

    `re` finds no literal to skip ahead to in that pattern and tries it at every position; a match can
    only start at one of _CASE_WORDS, so only those positions are tried, leftmost first and past the
    previous match, as finditer would (the pattern never matches the empty string)."""
    # All but ~1 text in 3 has none of the words; one expression tells that at least cost.
    if not ("rende" in text or "RENDE" in text or "ase" in text or "ASE" in text or "icket" in text
            or "ICKET" in text):
        return []
    starts = []
    for word, back in _CASE_WORDS:
        if word in text:
            i = text.find(word, back)
            while i != -1:
                starts.append(i - back)
                i = text.find(word, i + 1)
    out: list[re.Match[str]] = []
    if not starts:
        return out
    starts.sort()
    end = 0
    for s in starts:
        if s >= end:
            m = rx.match(text, s)
            if m is not None:
                out.append(m)
                end = m.end()
    return out


def _has_digit(text: str) -> bool:
    """_DIGIT.search(text) is not None, ~10x faster: ASCII digits by substring search, and the regex (which
    knows the other Unicode digits) only for a non-ASCII text without an ASCII digit."""
    for ch in "0123456789":
        if ch in text:
            return True
    return not text.isascii() and _DIGIT.search(text) is not None


def _latin1(text: str) -> bool:
    """No character past U+00FF, so no digit but 0-9. Encoding a Latin-1 string is a mere copy."""
    if text.isascii():
        return True
    try:
        text.encode("latin-1")
    except UnicodeEncodeError:
        return False
    return True


def _clusters(text: str) -> list[tuple[int, int]]:
    """The matches of `[+(]?` + _CLUSTER, non-overlapping, leftmost first, as finditer would give them."""
    rx = _CLUSTER_NARROW if _latin1(text) else _CLUSTER
    if "+" not in text and "(" not in text:  # no lead to add back (the common case)
        return [m.span() for m in rx.finditer(text)]
    # A lead right before a match cannot belong to the previous match (which ends in a digit), so it is
    # always the match's own; s > 0 keeps text[-1] out.
    return [(s - 1, e) if s and text[s - 1] in "+(" else (s, e) for s, e in map(re.Match.span, rx.finditer(text))]


def _standalone(text: str, s: int, e: int) -> bool:
    """Not part of a longer token: no letter/digit/joiner before, no letter/digit (or -5, .5) after."""
    if s > 0:
        prev = text[s - 1]
        if prev.isalnum() or prev in "+-./_":
            return False
    if e < len(text):
        nxt = text[e]
        if nxt.isalnum() or nxt == "_":
            return False
        if nxt in "-./" and e + 1 < len(text) and text[e + 1].isdigit():
            return False
    return True


def _add(spans: list[tuple[int, int, str]], s: int, e: int, kind: str) -> None:
    """Append (s, e, kind) unless it overlaps a span already found (the earlier one wins)."""
    for ts, te, _ in spans:
        if s < te and ts < e:
            return
    spans.append((s, e, kind))


class Masker:
    """A configured masker; `case_patterns` replaces the default case/ticket ID patterns (`case_context` adds
    the IDs a case/ticket word introduces, `case_ids.py`), and national phone numbers (leading 0) are tried in
    `phone_regions` in order."""

    def __init__(self, case_patterns: Iterable[str] | None = None, kinds: Iterable[str] = KINDS,
                 phone_regions: Iterable[str] = ("SE", "GB"), case_context: bool = True) -> None:
        self.phone_regions = tuple(phone_regions)
        self.case_context = case_context
        self.kinds = frozenset(kinds)
        unknown = self.kinds - set(KINDS)
        if unknown:
            raise ValueError(f"pii: unknown kind(s) {sorted(unknown)} (choose from {list(KINDS)})")
        patterns = DEFAULT_CASE_PATTERNS if case_patterns is None else tuple(case_patterns)
        # A user's pattern may match letters only; then every text has to be scanned for it.
        self.case_ids_need_digits = case_patterns is None or "case_id" not in self.kinds
        self.case_patterns = []
        for p in patterns:
            try:
                self.case_patterns.append(re.compile(p))
            except re.error as e:
                raise ValueError(f"pii.case_id_patterns: invalid regex {p!r}: {e}") from e
        self.default_case_patterns = case_patterns is None
        self._want = {kind: kind in self.kinds for kind in KINDS}

    def find(self, text: str) -> list[tuple[int, int, str]]:
        """Non-overlapping PII spans; on overlap the earlier kind wins: case_id, personnummer, email, phone."""
        spans: list[tuple[int, int, str]] = []
        want = self._want
        if self.case_ids_need_digits and not _has_digit(text):
            # Every built-in kind but email needs a digit; most answers have none, so this saves the scans.
            if want["email"] and "@" in text:
                self._emails(text, spans)
            return spans
        if want["case_id"]:
            self._case_ids(text, spans)
        clusters = _clusters(text) if want["personnummer"] or want["phone"] else []
        # The clusters are stepped through with `search` from the end of the previous match: what
        # finditer(text, cs, ce) would give (no pattern here matches the empty string), at half its cost
        # when there is no match, as in most clusters.
        if clusters and want["personnummer"]:
            for cs, ce in clusters:
                if ce - cs >= 10:  # the shortest personnummer, YYMMDDNNNN
                    m = _PNR.search(text, cs, ce)
                    if m is not None:
                        self._personnummer(text, cs, ce, m, spans)
        if want["email"] and "@" in text:
            self._emails(text, spans)
        if clusters and want["phone"]:
            for cs, ce in clusters:
                if ce - cs >= 7:  # the shortest _PHONE match
                    self._phones(text, cs, ce, spans)
        if want["case_id"] and self.case_context:
            # Last, so that a phone number or personnummer after a case word stays what it is.
            for s, e in case_ids.find(text):
                _add(spans, s, e, "case_id")
        if len(spans) > 1:
            spans.sort()
        return spans

    def _case_ids(self, text: str, spans: list[tuple[int, int, str]]) -> None:
        if self.default_case_patterns:
            dash_rx, hash_rx, word_rx = self.case_patterns
            if "-" in text:
                for m in _dash_ids(text, dash_rx):
                    _add(spans, m.start(), m.end(), "case_id")
            if "#" in text:
                for m in hash_rx.finditer(text):
                    _add(spans, m.start(), m.end(), "case_id")
            for m in _case_word_ids(text, word_rx):
                if not case_ids.idiom(text, m.start()):
                    _add(spans, m.start("id"), m.end("id"), "case_id")  # its `id` group always takes part
            return
        for rx in self.case_patterns:
            has_id = "id" in rx.groupindex
            for m in rx.finditer(text):
                if has_id and m.group("id") is not None:
                    _add(spans, m.start("id"), m.end("id"), "case_id")
                else:
                    _add(spans, m.start(), m.end(), "case_id")

    def _personnummer(self, text: str, cs: int, ce: int, m: re.Match[str] | None,
                      spans: list[tuple[int, int, str]]) -> None:
        """The personnummer in cluster [cs, ce), whose first _PNR match is `m`."""
        long_date = False
        while m is not None:
            long_date = long_date or len(m.group("date")) == 8
            self._personnummer_candidate(text, m, spans)
            end = m.end()
            # No room left for another match (10 characters at least): spare the search.
            m = _PNR.search(text, end, ce) if ce - end >= 10 else None
        # The bare form catches a 10-digit number the long form swallowed. Where every long-form match had
        # a 6-digit date, the bare scan finds exactly the same matches (the long form tries 8 digits first
        # and falls back to the bare form at each position), and each would be judged the same again.
        if long_date:
            for m in _PNR_BARE.finditer(text, cs, ce):
                self._personnummer_candidate(text, m, spans)

    def _personnummer_candidate(self, text: str, m: re.Match[str], spans: list[tuple[int, int, str]]) -> None:
        start, end = m.span()
        if not _standalone(text, start, end):  # as most bare-form rescans are: spare the groups
            return
        d, sep, tail = m.group("date", "sep", "tail")
        if not is_personnummer(d, tail):
            return
        # Ten bare digits starting 070 are also a Swedish mobile number (070 = born 2007);
        # without a personnummer word just before it, call it a phone (masked either way).
        if (len(d) == 6 and not sep and d.startswith("070") and self._want["phone"]
                and not _PNR_CONTEXT.search(text, max(0, start - 30), start)
                and _valid_by_metadata(d + tail, ("SE",))):
            return
        _add(spans, start, end, "personnummer")

    def _phones(self, text: str, cs: int, ce: int, spans: list[tuple[int, int, str]]) -> None:
        m = _PHONE.search(text, cs, ce)
        while m is not None:
            start, end = m.span()
            lead = text[start]
            covered = False
            if spans:
                # Every digit inside a personnummer or case ID already found ("(19850312-1234)"): any
                # phone number in it would overlap that span and be discarded anyway. A match starts
                # with its first digit '0', with "(<digit>", or with '+' (a separator may follow).
                first = (start if lead == "0" else start + 1 if lead == "("
                         else _DIGIT.search(text, start).start())  # type: ignore[union-attr]
                for ts, te, _ in spans:  # a loop, not any(): no generator to build per match
                    if ts <= first and end <= te:
                        covered = True
                        break
            if not covered and (lead != "0" or _standalone(text, start, end)):
                for s, e in _phone_spans_in(text[start:end], self.phone_regions):
                    _add(spans, start + s, start + e, "phone")
            # No room left for another match (7 characters at least): spare the search.
            m = _PHONE.search(text, end, ce) if ce - end >= 7 else None
        if ce - cs >= 12 and text.find("-", cs, ce) != -1:  # _US_PLAIN needs 12 characters, two dashes
            for m in _US_PLAIN.finditer(text, cs, ce):
                start, end = m.span()
                if _standalone(text, start, end) and _valid_by_metadata("+1" + m.group(), ()):
                    _add(spans, start, end, "phone")

    @staticmethod
    def _emails(text: str, spans: list[tuple[int, int, str]]) -> None:
        at = text.find("@")
        while at != -1:
            # The local part: the run of local characters right before the '@', at most 64 of them.
            local = _EMAIL_LOCAL.search(text, max(0, at - 64), at)
            if local is not None:
                m = _EMAIL_DOMAIN.match(text, at + 1)
                if m:
                    _add(spans, local.start(), m.end(), "email")
            at = text.find("@", at + 1)

    def mask(self, text: str) -> tuple[str, list[tuple[int, int, str]]]:
        spans = self.find(text)
        if not spans:
            return text, spans
        out, pos = [], 0
        for s, e, kind in spans:
            out.append(text[pos:s])
            out.append(PLACEHOLDER[kind])
            pos = e
        out.append(text[pos:])
        return "".join(out), spans


_DEFAULT: Masker | None = None


def mask(text: str) -> tuple[str, list[tuple[int, int, str]]]:
    """Mask PII with the default patterns: (masked_text, [(start, end, kind)]) with spans in `text`."""
    global _DEFAULT
    if _DEFAULT is None:
        _DEFAULT = Masker()
    return _DEFAULT.mask(text)
