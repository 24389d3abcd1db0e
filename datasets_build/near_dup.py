"""Near-duplicates: MinHash signatures over word n-grams of the normalised prompt + chosen, LSH banding to find
candidates, and the estimated Jaccard to confirm them.

The exact fingerprint (`steps.fingerprint`) misses a reworded copy, or one whose PII was masked another way;
a pair like that in golden or test and its twin in train inflates every evaluation. datasketch is the usual
library for this; it is not installed here, and its per-document `update` loop would be the build's slowest
step anyway, so the same scheme (universal hashing of shingles, b bands of r rows) is done for a whole chunk
of records at once in numpy: one (shingles x permutations) product and a `minimum.reduceat` per chunk.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from datasets_build.records import Record

# ASCII punctuation becomes a space, so "dog," and "dog" are one word; '<' '>' '[' ']' '_' stay, to tell
# placeholders ("<CASE_ID>") apart.
_PUNCT = bytes(32 if chr(c) in "!\"#$%&'()*+,-./:;=?@\\^`{|}~" else c for c in range(256))
_SEP_WORD = b"\x02sep\x02"
_SEP = " \x02sep\x02 "
# Every placeholder and masking style ("<PHONE>", "[redacted]", "xxx") reads the same, and so does every
# number: a re-masked or renumbered copy is still a copy.
_MASK_HASH = zlib.crc32(b"\x00pii")
_NUM_HASH = zlib.crc32(b"\x00num")
_MIX = np.uint64(0x9E3779B97F4A7C15)  # 2^64 / golden ratio: spreads the n-gram combination over all bits
_WORD_MEMO: dict[bytes, int] = {}  # word -> hash
_MAX_MEMO = 500_000


@dataclass(frozen=True)
class Params:
    ngram: int = 5
    num_perm: int = 128  # a power of two (bins of one-permutation hashing)
    bands: int = 21  # 21 bands of 6 rows: candidates from Jaccard ~0.6, 99.8% of pairs at 0.8 found
    seed: int = 1

    @property
    def rows(self) -> int:
        return self.num_perm // self.bands


def _token_hash(tok: bytes) -> int:
    """A word's 32-bit hash, numbers and masked spans folded to one token each; -1 for the separator."""
    if tok == _SEP_WORD:
        return -1
    if tok[:1] in (b"<", b"[") or (len(tok) >= 3 and tok.strip(b"x") == b""):
        return _MASK_HASH
    if any(48 <= c <= 57 for c in tok):
        return _NUM_HASH
    return zlib.crc32(tok)


def _fmix(h: np.ndarray) -> np.ndarray:
    """murmur3's 64-bit finaliser: every output bit depends on every input bit."""
    h = h ^ (h >> np.uint64(33))
    h = h * np.uint64(0xFF51AFD7ED558CCD)
    h = h ^ (h >> np.uint64(33))
    h = h * np.uint64(0xC4CEB9FE1A85EC53)
    return h ^ (h >> np.uint64(33))


def shingles(texts: Sequence[str], n: int, seed: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """(32-bit hashes of the word n-grams of all texts, the text each belongs to), for a batch at once; a text
    with fewer than n words has one shingle of all its words, an empty text one fixed shingle."""
    # One lower/encode/translate/split over the whole batch (C loops, bytes.translate is a table lookup),
    # texts kept apart by a separator word; each distinct new word is hashed once.
    words = _SEP.join(texts).lower().encode().translate(_PUNCT).split()
    memo = _WORD_MEMO
    new = set(words).difference(memo)
    if new:
        if len(memo) > _MAX_MEMO:
            memo.clear()
            new = set(words)
        memo.update((w, _token_hash(w)) for w in new)
    flat_all = np.array(list(map(memo.__getitem__, words)), dtype=np.int64)
    cuts = np.flatnonzero(flat_all == -1)
    lens = np.diff(np.r_[-1, cuts, len(flat_all)]) - 1
    flat = flat_all[flat_all != -1].astype(np.uint64)
    # Pad each text to at least n words with "no word" (hash 0) so that short texts get one shingle too.
    short = lens < n
    if short.any() or len(flat) == 0:
        pieces, pos = [], 0
        for length in lens:
            pieces.append(flat[pos:pos + length])
            if length < n:
                pieces.append(np.zeros(n - length, dtype=np.uint64))
            pos += length
        flat = np.concatenate(pieces)
        lens = np.maximum(lens, n)
    k = len(flat) - n + 1
    h = flat[:k] * _MIX + np.uint64(seed)
    for i in range(1, n):
        h = (h ^ flat[i:i + k]) * _MIX
    # Keep the n-grams that start in a text and end in the same one: text d has lens[d] - n + 1 of them.
    count = lens - n + 1
    doc = np.repeat(np.arange(len(texts)), count)
    first = np.arange(int(count.sum())) + np.repeat(np.cumsum(lens) - lens - (np.cumsum(count) - count), count)
    return _fmix(h[first]) >> np.uint64(32), doc


def sketches(texts: Sequence[str], p: Params) -> list[tuple[np.ndarray, np.ndarray]]:
    """(MinHash signature, sorted distinct shingle hashes) of each text: the signature finds candidates, the
    shingle sets confirm them exactly (one-permutation estimates are too noisy near the threshold)."""
    sigs = signatures(texts, p)
    h, doc = shingles(texts, p.ngram, p.seed)
    cuts = np.flatnonzero(np.r_[True, doc[1:] != doc[:-1]]) if len(doc) else np.zeros(0, dtype=np.int64)
    sets = np.split(h.astype(np.uint32), cuts[1:])
    return [(sig, np.unique(one)) for sig, one in zip(sigs, sets, strict=True)]


def jaccard(a: np.ndarray, b: np.ndarray) -> float:
    """Exact Jaccard similarity of two sorted distinct shingle-hash arrays."""
    inter = len(np.intersect1d(a, b, assume_unique=True))
    return inter / (len(a) + len(b) - inter)


def signatures(texts: Sequence[str], p: Params) -> np.ndarray:
    """(len(texts), num_perm) uint32 MinHash signatures of a batch, by one-permutation hashing: each shingle's
    hash picks one of num_perm bins by its top bits and competes there with its low bits; an empty bin takes
    the next filled bin's value plus an offset per step (rotation densification, Shrivastava & Li 2014), so
    two texts agree in a bin with probability close to their Jaccard similarity. One pass over the shingles,
    instead of one per permutation."""
    n = len(texts)
    if n == 0:
        return np.zeros((0, p.num_perm), dtype=np.uint32)
    h, doc = shingles(texts, p.ngram, p.seed)
    k = p.num_perm
    bits = k.bit_length() - 1
    low = 32 - bits
    empty = np.uint64(0xFFFFFFFF)
    flat = np.full(n * k, empty, dtype=np.uint64)
    np.minimum.at(flat, doc * k + (h >> np.uint64(low)).astype(np.int64), h & np.uint64((1 << low) - 1))
    sig: np.ndarray = flat.reshape(n, k)
    holes = sig == empty
    if holes.any():
        twice = np.concatenate([sig, sig], axis=1)
        idx = np.where(np.concatenate([~holes, ~holes], axis=1), np.arange(2 * k), 4 * k)
        nxt = np.minimum.accumulate(idx[:, ::-1], axis=1)[:, ::-1][:, :k]
        steps = (nxt - np.arange(k)).astype(np.uint64)
        sig = np.take_along_axis(twice, nxt, axis=1) + steps * np.uint64(1 << low)
    return (sig & np.uint64(0xFFFFFFFF)).astype(np.uint32)


def text_of(rec: Record) -> str:
    """What near-duplicates are judged on: the prompt and the chosen answer."""
    return " ".join(m["content"] for m in rec.prompt) + "\n" + rec.chosen


def jaccard_estimate(a: np.ndarray, b: np.ndarray) -> float:
    """The share of signature positions on which two texts agree."""
    return float(np.count_nonzero(a == b)) / len(a)


@dataclass
class Index:
    """LSH over signatures: a record is a candidate of another when one band of rows is equal; candidates are
    confirmed by their estimated Jaccard, all at once in one array operation."""

    p: Params
    threshold: float
    bands: list[dict[bytes, list[int]]] = field(default_factory=list)
    ids: list[str] = field(default_factory=list)
    sets: list[np.ndarray] = field(default_factory=list)
    matrix: np.ndarray = field(default_factory=lambda: np.zeros((0, 0), dtype=np.uint32))

    def __post_init__(self) -> None:
        self.bands = [{} for _ in range(self.p.bands)]
        self.matrix = np.zeros((1024, self.p.num_perm), dtype=np.uint32)

    def _keys(self, sig: np.ndarray) -> list[bytes]:
        width = 4 * self.p.rows
        raw = sig.tobytes()
        return [raw[i:i + width] for i in range(0, width * self.p.bands, width)]

    def matches(self, sketch: tuple[np.ndarray, np.ndarray]) -> list[tuple[float, int]]:
        """(Jaccard, position) of the indexed records at or above the threshold, most similar first."""
        sig, shingle_set = sketch
        cands: set[int] = set()
        for band, key in zip(self.bands, self._keys(sig), strict=True):
            hit = band.get(key)
            if hit is not None:
                cands.update(hit)
        if not cands:
            return []
        pos = np.fromiter(cands, dtype=np.int64, count=len(cands))
        est = np.count_nonzero(self.matrix[pos] == sig, axis=1) / self.p.num_perm
        # The estimate only rules out what is far below the threshold; the shingle sets decide.
        near = pos[est >= self.threshold - 0.25].tolist()
        found = [(j, i) for i in near if (j := jaccard(shingle_set, self.sets[i])) >= self.threshold]
        return sorted(found, key=lambda t: (-t[0], t[1]))

    def query(self, sketch: tuple[np.ndarray, np.ndarray]) -> str | None:
        """The id of the most similar indexed record with Jaccard >= threshold, or None."""
        found = self.matches(sketch)
        return self.ids[found[0][1]] if found else None

    def add(self, rec_id: str, sketch: tuple[np.ndarray, np.ndarray]) -> None:
        sig = sketch[0]
        self.sets.append(sketch[1])
        i = len(self.ids)
        if i == len(self.matrix):
            self.matrix = np.concatenate([self.matrix, np.zeros_like(self.matrix)])
        self.matrix[i] = sig
        self.ids.append(rec_id)
        for band, key in zip(self.bands, self._keys(sig), strict=True):
            hit = band.get(key)
            if hit is None:
                band[key] = [i]
            else:
                hit.append(i)


@dataclass
class NearDedup:
    """The filter: a record whose signature is near one kept before it is dropped (first occurrence wins)."""

    p: Params
    threshold: float
    index: Index = field(init=False)
    clusters: dict[str, list[str]] = field(default_factory=dict)  # kept id -> ids dropped as its near-dups
    by_source: dict[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.index = Index(self.p, self.threshold)

    def __call__(self, rec: Record) -> str | None:
        sig = rec.sig if rec.sig is not None else sketches([text_of(rec)], self.p)[0]
        twin = self.index.query(sig)
        if twin is not None:
            self.clusters.setdefault(twin, []).append(rec.id)
            self.by_source[rec.source] = self.by_source.get(rec.source, 0) + 1
            return "near_duplicate"
        self.index.add(rec.id, sig)
        return None

    def report(self) -> dict[str, Any]:
        return {"clusters": len(self.clusters), "removed": sum(len(v) for v in self.clusters.values()),
                "by_source": dict(sorted(self.by_source.items())),
                "examples": [[kept, *dups[:2]] for kept, dups in list(self.clusters.items())[:3]]}


def cross_split(splits: dict[str, list[Record]], p: Params, threshold: float,
                eval_splits: Iterable[str] = ("golden", "test", "val"),
                sig_of: Callable[[Record], tuple[np.ndarray, np.ndarray]] | None = None) -> tuple[dict[str, Any], set[str]]:
    """Train pairs that are near-duplicates of an evaluation pair leave train (the evaluation pair stays);
    returns the report and the ids removed."""
    sig_of = sig_of or (lambda r: r.sig if r.sig is not None else sketches([text_of(r)], p)[0])
    index = Index(p, threshold)
    for r in splits["train"]:
        index.add(r.id, sig_of(r))
    removed: set[str] = set()
    found = 0
    examples: list[list[str]] = []
    checked = [s for s in eval_splits if s in splits]
    for name in checked:
        for r in splits[name]:
            hits = [index.ids[i] for _, i in index.matches(sig_of(r)) if index.ids[i] not in removed]
            if hits:
                found += 1
                if len(examples) < 3:
                    examples.append([r.id, hits[0]])
                removed.update(hits)
    splits["train"] = [r for r in splits["train"] if r.id not in removed]
    after_index = Index(p, threshold)
    for r in splits["train"]:
        after_index.add(r.id, sig_of(r))
    after = sum(1 for name in checked for r in splits[name] if after_index.query(sig_of(r)) is not None)
    return {"checked": checked, "found": found, "removed_from_train": len(removed), "examples": examples,
            "after": after}, removed
