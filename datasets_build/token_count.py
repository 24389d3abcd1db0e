"""Exact token counts for byte-level BPE tokenizers with a regex split (Qwen2, GPT-2 style), much faster.

A text's count is the sum of its pre-tokens' counts: the BPE never merges across pre-token boundaries,
so each distinct pre-token ("Hej", " kundtjänst", "<") is tokenised once by the tokenizer's own BPE model
and then looked up. The Rust `encode` spends most of its time on offsets and the split regex; here the
split runs in Python's `re` (or the `regex` module) and the rest is a dict lookup. Tokenizers this does
not understand, and texts with characters where the regex engines might disagree, go through the
tokenizer itself.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Sequence
from functools import lru_cache
from typing import Any

# Control characters and the rarer Unicode spaces: the engines' ideas of \s may differ on them.
_UNSURE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u1680\u180e\u2000-\u200f\u2028-\u202f\u205f\u3000\ufeff]")
MAX_CACHE = 500_000  # distinct pre-tokens kept (a few tens of MB at most)

# The Qwen2 split, and the same split for Python's `re`, which runs it ~1.7x faster than `regex`: \p{L} is
# [^\W\d_] and \p{N} is \d, except on numerals that are not decimal digits (², ½, Ⅻ) and the long s
# that (?i) folds to s; texts with those (or with characters beyond the BMP) take the `regex` path.
QWEN2_SPLIT = (r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+"
               r"|\s+(?!\S)|\s+")
QWEN2_SPLIT_RE = (r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|(?:[^\r\n\w]|_)?[^\W\d_]+|\d| ?(?:[^\s\w]|_)+[\r\n]*|\s*[\r\n]+"
                  r"|\s+(?!\S)|\s+")


# Every " " followed by a letter starts a pre-token of the Qwen2 split: only the letters alternative
# ([^\r\n\p{L}\p{N}]?\p{L}+) holds a space next to a letter, and only as its first character; no whitespace
# alternative ends on a space that a non-space follows ((?!\S), or a newline at the end). So a text cut
# before each such space is a sequence of "words" whose counts add up exactly, and words recur far more
# often than lines. ([^\W\d_] is \p{L} on the texts `re` is used for.)
_WORD_STARTS = re.compile(r"(?= [^\W\d_])").split


@lru_cache(maxsize=1)
def _re_unsafe() -> re.Pattern[str]:
    """Characters on which `re` might split differently from `regex`: numerals that are not decimal
    digits, the long s, and (to keep the class small and fast) everything beyond the BMP."""
    odd = [c for c in range(0x80, 0x10000) if chr(c).isnumeric() and not chr(c).isdecimal()] + [0x17F]
    ranges: list[list[int]] = []
    for c in sorted(odd):
        if ranges and ranges[-1][1] == c - 1:
            ranges[-1][1] = c
        else:
            ranges.append([c, c])
    body = "".join(re.escape(chr(a)) + (f"-{re.escape(chr(b))}" if b > a else "") for a, b in ranges)
    return re.compile(f"[{body}\U00010000-\U0010ffff]")


def byte_chars() -> dict[int, str]:
    """GPT-2's byte -> printable character table that ByteLevel maps every byte through."""
    keep = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), 256))
    table, extra = {}, 0
    for b in range(256):
        if b in keep:
            table[b] = chr(b)
        else:
            table[b] = chr(256 + extra)
            extra += 1
    return table


_BYTE_CHARS = byte_chars()


def _split_pattern(spec: dict[str, Any]) -> str | None:
    """The split regex when the tokenizer is NFC (or none) + Split(regex, isolated) + ByteLevel + BPE."""
    norm, pre, model = spec.get("normalizer"), spec.get("pre_tokenizer") or {}, spec.get("model") or {}
    if norm is not None and norm.get("type") != "NFC":
        return None
    if model.get("type") != "BPE" or model.get("dropout") or model.get("byte_fallback"):
        return None
    steps = pre.get("pretokenizers", []) if pre.get("type") == "Sequence" else [pre]
    if len(steps) != 2:
        return None
    split, byte_level = steps
    if (split.get("type") != "Split" or split.get("behavior") != "Isolated" or split.get("invert")
            or "Regex" not in split.get("pattern", {})):
        return None
    if byte_level.get("type") != "ByteLevel" or byte_level.get("use_regex") or byte_level.get("add_prefix_space"):
        return None
    for t in spec.get("added_tokens", []):
        if t.get("normalized") or t.get("lstrip") or t.get("rstrip") or t.get("single_word"):
            return None
    return str(split["pattern"]["Regex"])


def _lines(text: str) -> list[str]:
    """`text` cut after each newline that is followed by a non-space character.

    Every such cut is a pre-token boundary of the split regexes: only whitespace/newline pieces and a
    punctuation run's trailing newlines hold a newline, and none of them runs on into a non-space
    character; the regexes look neither behind nor (past whitespace) ahead. So a text's count is the sum
    of its lines' counts, and lines can be memoised."""
    parts = text.split("\n")
    out, cur = [], parts[0]
    for part in parts[1:]:
        if part and not part[0].isspace():
            out.append(cur + "\n")
            cur = part
        else:
            cur += "\n" + part
    out.append(cur)
    return out


class TokenCounter:
    """`counts(texts)` equals `[len(e) for e in tok.encode_batch(texts, add_special_tokens=False)]`."""

    def __init__(self, tok: Any) -> None:
        self.tok = tok
        self.cache: dict[str, int] = {}
        self.line_cache: dict[str, int] = {}
        self.word_cache: dict[str, int] = {}
        self.split: Any = None
        self.split_re: Any = None
        pattern = _split_pattern(json.loads(tok.to_str()))
        if pattern == QWEN2_SPLIT:
            self.split_re = re.compile(QWEN2_SPLIT_RE).findall
            self.re_unsafe = _re_unsafe().search
        if pattern is not None:
            import regex  # the engine that knows \p{L}; installed with transformers

            try:
                self.split = regex.compile(pattern).findall
            except regex.error:
                self.split = None
        self.normalize = json.loads(tok.to_str()).get("normalizer") is not None
        specials = sorted((t["content"] for t in json.loads(tok.to_str()).get("added_tokens", [])), key=len,
                          reverse=True)
        self.specials = frozenset(specials)
        self.special_split = (re.compile("(" + "|".join(map(re.escape, specials)) + ")").split if specials
                              else None)
        self.fast = self.split is not None

    def _bpe(self, piece: str) -> int:
        mapped = "".join(_BYTE_CHARS[b] for b in piece.encode())
        return len(self.tok.model.tokenize(mapped))

    def _count(self, text: str) -> int:
        total = 0
        segments = self.special_split(text) if self.special_split is not None else [text]
        for seg in segments:
            if not seg:
                continue
            if seg in self.specials:
                total += 1
                continue
            if self.normalize and not seg.isascii():
                seg = unicodedata.normalize("NFC", seg)
            if "\n" not in seg:
                total += self._count_plain(seg)
                continue
            # Lines repeat far more often than whole texts (greetings, sign-offs, template lines), so
            # each is counted once; see _lines for why the counts of the lines add up exactly.
            memo = self.line_cache
            for line in _lines(seg):
                n = memo.get(line)
                if n is None:
                    n = memo[line] = self._count_plain(line)
                total += n
        return total

    def _count_plain(self, seg: str) -> int:
        if self.split_re is None or not (seg.isascii() or not self.re_unsafe(seg)):
            return self._count_pieces(seg, self.split)
        words = _WORD_STARTS(seg)
        memo = self.word_cache
        try:
            return sum(map(memo.__getitem__, words))
        except KeyError:
            for word in words:
                if word not in memo:
                    memo[word] = self._count_pieces(word, self.split_re)
            return sum(map(memo.__getitem__, words))

    def _count_pieces(self, seg: str, split: Any) -> int:
        cache = self.cache
        pieces = split(seg)
        try:
            return sum(map(cache.__getitem__, pieces))
        except KeyError:
            for piece in pieces:
                if piece not in cache:
                    cache[piece] = self._bpe(piece)
            return sum(map(cache.__getitem__, pieces))

    def counts(self, texts: Sequence[str]) -> list[int]:
        if not texts:
            return []
        if not self.fast:
            return [len(e) for e in self.tok.encode_batch_fast(list(texts), add_special_tokens=False)]
        if len(self.cache) > MAX_CACHE:
            self.cache.clear()
        if len(self.line_cache) > MAX_CACHE:
            self.line_cache.clear()
        if len(self.word_cache) > MAX_CACHE:
            self.word_cache.clear()
        out = [-1 if _UNSURE.search(t) else self._count(t) for t in texts]
        unsure = [i for i, n in enumerate(out) if n < 0]
        if unsure:
            encoded = self.tok.encode_batch_fast([texts[i] for i in unsure], add_special_tokens=False)
            for i, enc in zip(unsure, encoded, strict=True):
                out[i] = len(enc)
        return out
