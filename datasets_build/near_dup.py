"""Near-duplicates: MinHash signatures over word n-grams of the normalised prompt + chosen, LSH banding to find
candidates, and exact Jaccard on the shingle sets to confirm them.

The exact fingerprint (`steps.fingerprint`) misses a reworded copy, or one whose PII was masked another way;
a pair like that in golden or test and its twin in train inflates every evaluation. datasketch is the usual
library for this; it is not installed here, and its per-document `update` loop would be the build's slowest
step anyway, so the same scheme (b bands of r rows over a MinHash signature) is done for a whole chunk of
records at once in numpy: every shingle hashed in one pass, one-permutation hashing into num_perm bins with
one `minimum.at`, band keys, sorted shingle sets and per-part shingle counts as whole-chunk arrays. The
filter then finds and confirms a whole chunk's candidates in a few array operations (`Index`); after it,
no two kept records match, so the cross-split check has nothing left to find (`cross_split_after_filter`)."""

from __future__ import annotations

import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

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
_PAIRS = 1 << 16  # candidate pairs compared at once
# Each shingle set is also summed up as its counts in 64 parts of the hash space (by the top 6 bits): the
# intersection of two sets is at most the sum over parts of the smaller count, so a Jaccard bound comes
# from 64 bytes a record, and rules out ~98% of the candidates the signatures' estimate lets through
# (texts from one template agree on half their shingles) before any shingle is looked up.
_PART_BITS = 6
_PARTS = 1 << _PART_BITS


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
    try:  # a chunk whose words were all seen before (most, once the memo is warm) needs no set of them
        flat_all = np.fromiter(map(memo.__getitem__, words), dtype=np.int64, count=len(words))
    except KeyError:
        if len(memo) > _MAX_MEMO:
            memo.clear()
        memo.update((w, _token_hash(w)) for w in set(words).difference(memo))
        flat_all = np.fromiter(map(memo.__getitem__, words), dtype=np.int64, count=len(words))
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


Sketch = tuple["Sketches", int]  # a record's sketch: its chunk's Sketches and its row there


@dataclass(slots=True)
class Sketches:
    """The sketches of a chunk of texts, as whole arrays (a worker sends one pickle of a few arrays per chunk,
    not two small arrays per record): MinHash signatures, LSH band keys, and each text's sorted distinct
    shingle hashes (`flat[offsets[i]:offsets[i + 1]]`), on which candidates are confirmed exactly
    (one-permutation estimates are too noisy near the threshold)."""

    sigs: np.ndarray  # (n, num_perm) uint32
    keys: np.ndarray  # (n, bands) uint64: a hash of each band's rows, the band's number mixed in
    flat: np.ndarray  # uint32
    offsets: np.ndarray  # (n + 1,) int64
    counts: np.ndarray  # (n, _PARTS) uint8: shingles per part of the hash space, at most 255
    clipped: np.ndarray  # (n,) bool: some part holds more than 255 (its counts bound nothing)

    def shingle_set(self, i: int) -> np.ndarray:
        return self.flat[self.offsets[i]:self.offsets[i + 1]]

    def __len__(self) -> int:
        return len(self.sigs)


def sketches(texts: Sequence[str], p: Params) -> Sketches:
    """The Sketches of a batch of texts: the shingles are hashed once, for the signatures and the sets."""
    n = len(texts)
    if n == 0:
        return Sketches(np.zeros((0, p.num_perm), dtype=np.uint32), np.zeros((0, p.bands), dtype=np.uint64),
                        np.zeros(0, dtype=np.uint32), np.zeros(1, dtype=np.int64),
                        np.zeros((0, _PARTS), dtype=np.uint8), np.zeros(0, dtype=bool))
    h, doc = shingles(texts, p.ngram, p.seed)
    sigs = _signatures(h, doc, n, p)
    # Distinct shingles of each text, sorted: one sort of (text, hash) for the whole chunk.
    both = np.sort((doc.astype(np.uint64) << np.uint64(32)) | h)
    both = both[np.r_[True, both[1:] != both[:-1]]]
    text_of_shingle = both >> np.uint64(32)
    offsets = np.searchsorted(text_of_shingle, np.arange(n + 1, dtype=np.uint64)).astype(np.int64)
    flat = (both & np.uint64(0xFFFFFFFF)).astype(np.uint32)
    counts = np.bincount((text_of_shingle.astype(np.int64) << _PART_BITS) | (flat >> (32 - _PART_BITS)),
                         minlength=n * _PARTS).reshape(n, _PARTS)
    clipped = np.asarray((counts > 255).any(axis=1))
    return Sketches(sigs, band_keys(sigs, p), flat, offsets, np.minimum(counts, 255).astype(np.uint8), clipped)


def band_keys(sigs: np.ndarray, p: Params) -> np.ndarray:
    """(n, bands) uint64 hashes of each band's rows. Only for bucketing: a shared key is checked against the
    signatures themselves (`Index.matches`), so a hash collision never makes a candidate."""
    rows = sigs[:, :p.bands * p.rows].astype(np.uint64).reshape(len(sigs), p.bands, p.rows)
    h = np.arange(1, p.bands + 1, dtype=np.uint64) * _MIX
    for r in range(p.rows):
        h = (h ^ rows[:, :, r]) * _MIX
    return _fmix(h)


def signatures(texts: Sequence[str], p: Params) -> np.ndarray:
    """(len(texts), num_perm) uint32 MinHash signatures of a batch, by one-permutation hashing: each shingle's
    hash picks one of num_perm bins by its top bits and competes there with its low bits; an empty bin takes
    the next filled bin's value plus an offset per step (rotation densification, Shrivastava & Li 2014), so
    two texts agree in a bin with probability close to their Jaccard similarity. One pass over the shingles,
    instead of one per permutation."""
    if not texts:
        return np.zeros((0, p.num_perm), dtype=np.uint32)
    return _signatures(*shingles(texts, p.ngram, p.seed), len(texts), p)


def _signatures(h: np.ndarray, doc: np.ndarray, n: int, p: Params) -> np.ndarray:
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


def _agree(eq: np.ndarray) -> np.ndarray:
    """Equal positions per row of a boolean (pairs x positions) array (a byte sum: ~4x count_nonzero's speed)."""
    return eq.view(np.uint8).sum(axis=1, dtype=np.int16)


def _grow(a: np.ndarray, need: int) -> np.ndarray:
    if need <= len(a):
        return a
    out = np.zeros((max(need, 2 * len(a)), *a.shape[1:]), dtype=a.dtype)
    out[:len(a)] = a
    return out


def _pair_jaccard(qkeys: np.ndarray, qsize: np.ndarray, q: np.ndarray, flat: np.ndarray, start: np.ndarray,
                  size: np.ndarray) -> np.ndarray:
    """Exact Jaccard of many (query, indexed set) pairs at once: pair k is query q[k] against the sorted
    distinct shingles flat[start[k]:start[k] + size[k]]. `qkeys` is `Queries.shingle_keys()` (query number
    << 32 | shingle, sorted, a sentinel last); each indexed value is looked up among its query's keys, with
    one gather, one searchsorted and one reduceat for all the pairs."""
    firsts = np.cumsum(size) - size
    keys = np.repeat(q.astype(np.uint64) << np.uint64(32), size)
    keys |= flat[_expand(start, size)]
    found = qkeys[np.searchsorted(qkeys, keys)] == keys
    inter = np.add.reduceat(found, firsts, dtype=np.int64)
    return inter / (qsize[q] + size - inter)


def _expand(lo: np.ndarray, count: np.ndarray) -> np.ndarray:
    """lo[i], lo[i] + 1, ..., lo[i] + count[i] - 1 for every i, end to end (ranges gathered without a loop);
    in int32 when that holds them (the shingle gathers run over millions: half the memory to stream)."""
    ends = np.cumsum(count)
    total = int(ends[-1]) if len(ends) else 0
    base = lo - (ends - count)
    if total < 1 << 31 and (not len(lo) or int(lo.max()) + int(count.max()) < 1 << 31):
        return np.repeat(base.astype(np.int32), count) + np.arange(total, dtype=np.int32)
    return np.repeat(base, count) + np.arange(total)


@dataclass(slots=True)
class Queries:
    """Records to look up or index, as whole arrays: signatures, band keys, and the sorted distinct shingle
    sets end to end (`flat[start[i]:start[i] + size[i]]`)."""

    sigs: np.ndarray  # (m, num_perm) uint32
    keys: np.ndarray  # (m, bands) uint64
    flat: np.ndarray  # uint32
    start: np.ndarray  # (m,) int64
    size: np.ndarray  # (m,) int64
    counts: np.ndarray  # (m, _PARTS) uint8, as in Sketches
    clipped: np.ndarray  # (m,) bool

    def shingle_keys(self) -> np.ndarray:
        """Every row's shingles as one sorted uint64 array (row << 32 | shingle), for `_pair_jaccard`, ending
        in a sentinel above every key (so a search never runs off the end)."""
        keys = np.repeat(np.arange(len(self.size), dtype=np.uint64) << np.uint64(32), self.size)
        keys |= self.flat
        return np.append(keys, np.uint64(0xFFFFFFFFFFFFFFFF))

    def __len__(self) -> int:
        return len(self.size)


def gather(sketches: Sequence[Sketch]) -> Queries:
    """The Queries of records' sketches: rows of the same chunk's Sketches are taken with one fancy index
    each (a chunk's records usually share one), not record by record."""
    groups: list[tuple[Sketches, list[int]]] = []
    for batch, row in sketches:
        if groups and groups[-1][0] is batch:
            groups[-1][1].append(row)
        else:
            groups.append((batch, [row]))
    parts = []
    for batch, row_list in groups:
        rows = np.array(row_list, dtype=np.int64)
        first = batch.offsets[rows]
        size = batch.offsets[rows + 1] - first
        parts.append((batch.sigs[rows], batch.keys[rows], batch.flat[_expand(first, size)], size,
                      batch.counts[rows], batch.clipped[rows]))
    if not parts:
        return Queries(np.zeros((0, 0), dtype=np.uint32), np.zeros((0, 0), dtype=np.uint64),
                       np.zeros(0, dtype=np.uint32), np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64),
                       np.zeros((0, _PARTS), dtype=np.uint8), np.zeros(0, dtype=bool))
    size = np.concatenate([x[3] for x in parts])
    return Queries(np.concatenate([x[0] for x in parts]), np.concatenate([x[1] for x in parts]),
                   np.concatenate([x[2] for x in parts]), np.cumsum(size) - size, size,
                   np.concatenate([x[4] for x in parts]), np.concatenate([x[5] for x in parts]))


def _distinct(a: np.ndarray) -> np.ndarray:
    """The distinct values of an int64 array, sorted (a sort and a mask: np.unique hashes, several times
    slower on these arrays)."""
    a = np.sort(a)
    return a[np.r_[True, a[1:] != a[:-1]]] if len(a) else a


def _first_of_each(values: np.ndarray) -> np.ndarray:
    """Where each distinct value first occurs, in the values' order (np.unique's return_index)."""
    order = np.argsort(values, kind="stable")
    ordered = values[order]
    return order[np.r_[True, ordered[1:] != ordered[:-1]]] if len(ordered) else order


def _unique_pairs(q: np.ndarray, c: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each (q, c) pair once, sorted by q then c (both below 2^31)."""
    both = _distinct((q << 32) | c)
    return both >> 32, both & 0xFFFFFFFF


def _earlier(keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(row, earlier row) of every two rows of one chunk that share a band key, each pair once: one sort of
    the chunk's keys, then each key's entries paired with the entries before it in its run of equal keys."""
    flat = keys.ravel()
    order = np.argsort(flat, kind="stable")  # equal keys keep row order
    sk, rows = flat[order], order // keys.shape[1]
    idx = np.arange(len(sk))
    first = np.maximum.accumulate(np.where(np.r_[True, sk[1:] != sk[:-1]], idx, 0))
    count = idx - first
    if not count.any():
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    q, c = np.repeat(rows, count), rows[_expand(first, count)]
    keep = c < q  # a row whose bands share a key with each other is not its own candidate
    return _unique_pairs(q[keep], c[keep])


@dataclass
class Index:
    """LSH over signatures: a record is a candidate of another when one band of rows is equal, and a match
    when its exact Jaccard on the shingle sets reaches the threshold, a band of rows really is equal and the
    signatures agree in at least threshold - 0.25 of the positions; the part counts' bound rules out most
    candidates before the exact count. All of it for many queries at once, in array operations.

    The band keys live in a few sorted arrays (`runs`, with their positions), merged as they grow like a
    log-structured merge tree: a lookup is a searchsorted per run for all of a chunk's keys, an add sorts
    only the new keys, and each key is merged O(log n) times over a build. A dict of lists cost a Python
    loop over every key of every record, the filter's largest cost."""

    p: Params
    threshold: float
    runs: list[tuple[np.ndarray, np.ndarray]] = field(default_factory=list)  # (sorted band keys, positions)
    ids: list[str] = field(default_factory=list)
    sigs: np.ndarray = field(default_factory=lambda: np.zeros((0, 0), dtype=np.uint32))
    counts: np.ndarray = field(default_factory=lambda: np.zeros((0, 0), dtype=np.uint8))  # as in Sketches
    clipped: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=bool))
    flat: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.uint32))  # every shingle set, end to end
    start: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    size: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    used: int = 0  # of flat

    def __post_init__(self) -> None:
        self.sigs = np.zeros((1024, self.p.num_perm), dtype=np.uint32)
        self.counts = np.zeros((1024, _PARTS), dtype=np.uint8)
        self.clipped = np.zeros(1024, dtype=bool)
        self.flat = np.zeros(1 << 17, dtype=np.uint32)
        self.start = np.zeros(1024, dtype=np.int64)
        self.size = np.zeros(1024, dtype=np.int64)

    def candidates(self, keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(query row, position) of the indexed records sharing a band key with each query row (`keys`:
        (m, bands)), once per shared key: a pair sharing several bands comes several times (sorting millions
        of pairs to drop the repeats cost more than ruling them out twice; `match_many` drops the repeats
        among the few matches)."""
        if not self.runs:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
        # Sorted needles: searchsorted then walks each run once instead of jumping about in it.
        order = np.argsort(keys.ravel())
        flat, rows_of = keys.ravel()[order], order // keys.shape[1]
        found = []
        for run_keys, run_pos in self.runs:
            lo = np.searchsorted(run_keys, flat, "left")
            # Most keys are in no run: the end of the range is searched for only for the keys found.
            hit = np.flatnonzero(run_keys.take(lo, mode="clip") == flat)
            if len(hit):
                lo = lo[hit]
                count = np.searchsorted(run_keys, flat[hit], "right") - lo
                rows = np.repeat(rows_of[hit], count)
                found.append((rows << 32) | run_pos[_expand(lo, count)])
        if not found:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
        both = np.concatenate(found)
        return both >> 32, both & 0xFFFFFFFF

    def match_many(self, qs: Queries) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(query row, position, Jaccard) of every query's indexed matches, each once, sorted by row then
        position."""
        q, c = self.candidates(qs.keys)
        q, c, j = _confirm(q, c, qs, qs.shingle_keys(), self, self.p, self.threshold)
        # The few matches in order, each once (a repeat in another slice of `_confirm` survives there).
        first = _first_of_each((q << 32) | c)
        return q[first], c[first], j[first]

    def matches(self, sketch: Sketch) -> list[tuple[float, int]]:
        """(Jaccard, position) of the indexed records at or above the threshold, most similar first."""
        _, c, j = self.match_many(gather([sketch]))
        return sorted(zip(j.tolist(), c.tolist(), strict=True), key=lambda t: (-t[0], t[1]))

    def query(self, sketch: Sketch) -> str | None:
        """The id of the most similar indexed record with Jaccard >= threshold, or None."""
        found = self.matches(sketch)
        return self.ids[found[0][1]] if found else None

    def add(self, rec_id: str, sketch: Sketch) -> None:
        self.add_many([rec_id], [sketch])

    def add_many(self, ids: list[str], sketches: Sequence[Sketch]) -> None:
        """Index records, in order."""
        self.add_rows(ids, gather(sketches), np.arange(len(ids), dtype=np.int64))

    def add_rows(self, ids: list[str], qs: Queries, rows: np.ndarray) -> None:
        """Index rows of `qs` (ids[i] is row rows[i]), in order: signatures, shingle sets and band keys, each
        copied as one array."""
        n = len(ids)
        if not n:
            return
        first = len(self.ids)
        self.ids += ids
        end = first + n
        if end > len(self.sigs):
            self.sigs, self.counts, self.clipped = _grow(self.sigs, end), _grow(self.counts, end), \
                _grow(self.clipped, end)
            self.start, self.size = _grow(self.start, end), _grow(self.size, end)
        self.sigs[first:end] = qs.sigs[rows]
        self.counts[first:end] = qs.counts[rows]
        self.clipped[first:end] = qs.clipped[rows]
        sizes = qs.size[rows]
        total = int(sizes.sum())
        self.flat = _grow(self.flat, self.used + total)
        self.flat[self.used:self.used + total] = qs.flat[_expand(qs.start[rows], sizes)]
        self.start[first:end] = self.used + np.cumsum(sizes) - sizes
        self.size[first:end] = sizes
        self.used += total
        keys = qs.keys[rows]
        self._add_keys(keys.ravel(), np.repeat(np.arange(first, end, dtype=np.int64), keys.shape[1]))

    def _add_keys(self, keys: np.ndarray, pos: np.ndarray) -> None:
        order = np.argsort(keys, kind="stable")
        runs = self.runs
        runs.append((keys[order], pos[order]))
        # A run is merged into the one before it while that one is at most twice its size: O(log n) runs.
        while len(runs) > 1 and len(runs[-2][0]) <= 2 * len(runs[-1][0]):
            (k1, p1), (k2, p2) = runs.pop(-2), runs.pop()
            merged = np.concatenate([k1, k2])
            order = np.argsort(merged, kind="stable")  # timsort: two sorted runs merge in one linear pass
            runs.append((merged[order], np.concatenate([p1, p2])[order]))


class _Side(Protocol):
    """What `_confirm` reads of the indexed side: an Index, or a chunk's own Queries."""

    sigs: np.ndarray
    counts: np.ndarray
    clipped: np.ndarray
    flat: np.ndarray
    start: np.ndarray
    size: np.ndarray


def _confirm(q: np.ndarray, c: np.ndarray, qs: Queries, qkeys: np.ndarray, other: _Side, p: Params,
             threshold: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The candidate pairs (query q[k], indexed c[k]) that are matches, with their Jaccard, in their order:
    the exact-Jaccard, band and estimate rules for many pairs at once (in slices, to bound the memory).
    `qkeys` is `qs.shingle_keys()`."""
    out_q, out_c, out_j = [], [], []
    floor = threshold - 0.25
    for s in range(0, len(q), _PAIRS):
        qq, cc = q[s:s + _PAIRS], c[s:s + _PAIRS]
        # The part counts' bound first (Jaccard <= bound: it rules out only pairs the exact count would),
        # then exact Jaccard, then the signatures of the few pairs left: whether a band of rows is really
        # equal (a shared key may be a hash collision) and the estimate rule.
        inter = np.minimum(other.counts.take(cc, axis=0), qs.counts.take(qq, axis=0)).sum(axis=1, dtype=np.int32)
        union = qs.size[qq] + other.size[cc] - inter
        keep = np.flatnonzero((inter >= threshold * union) | other.clipped[cc] | qs.clipped[qq])
        if not len(keep):
            continue
        # A pair that shares several bands was a candidate once per band: confirmed once per slice.
        keep = keep[_first_of_each((qq[keep] << 32) | cc[keep])]
        jac = _pair_jaccard(qkeys, qs.size, qq[keep], other.flat, other.start[cc[keep]], other.size[cc[keep]])
        ok = np.flatnonzero(jac >= threshold)
        qo, co = qq[keep[ok]], cc[keep[ok]]
        eq = other.sigs[co] == qs.sigs[qo]
        n = p.bands * p.rows
        banded = eq[:, :n].reshape(len(ok), p.bands, p.rows).all(axis=2).any(axis=1)
        good = banded & (_agree(eq) / p.num_perm >= floor)
        out_q.append(qo[good])
        out_c.append(co[good])
        out_j.append(jac[ok][good])
    if not out_q:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64), np.zeros(0)
    return np.concatenate(out_q), np.concatenate(out_c), np.concatenate(out_j)


def sketch_of(rec: Record, p: Params) -> Sketch:
    """The record's sketch from the annotate step, or computed now."""
    return rec.sig if rec.sig is not None else (sketches([text_of(rec)], p), 0)


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
        sketch = sketch_of(rec, self.p)
        twin = self.index.query(sketch)
        if twin is not None:
            self.clusters.setdefault(twin, []).append(rec.id)
            self.by_source[rec.source] = self.by_source.get(rec.source, 0) + 1
            return "near_duplicate"
        self.index.add(rec.id, sketch)
        return None

    def batch(self, recs: list[Record]) -> list[str | None]:
        """The filter over a chunk, deciding exactly as calls on each record in turn would: each record's
        matches among the records indexed before the chunk, and among the chunk's earlier records, are found
        for the whole chunk at once; only which of them are kept is then settled one record at a time."""
        if not recs:
            return []
        p, index = self.p, self.index
        qs = gather([sketch_of(r, p) for r in recs])
        qkeys = qs.shingle_keys()
        found: dict[int, list[tuple[float, int]]] = {}
        q, c, j = index.match_many(qs)
        for qk, ck, jk in zip(q.tolist(), c.tolist(), j.tolist(), strict=True):
            found.setdefault(qk, []).append((jk, ck))
        inner: dict[int, list[tuple[float, int]]] = {}
        lq, lc = _earlier(qs.keys)
        if len(lq):
            q, c, j = _confirm(lq, lc, qs, qkeys, qs, p, self.threshold)
            for qk, ck, jk in zip(q.tolist(), c.tolist(), j.tolist(), strict=True):
                inner.setdefault(qk, []).append((jk, ck))
        out: list[str | None] = []
        position: dict[int, int] = {}  # chunk row -> index position, for the rows kept
        kept: list[int] = []
        base = len(index.ids)
        for k, rec in enumerate(recs):
            matches = found.get(k, [])
            matches += [(jk, position[ck]) for jk, ck in inner.get(k, ()) if ck in position]
            if matches:
                twin_pos = min(matches, key=lambda t: (-t[0], t[1]))[1]
                twin = index.ids[twin_pos] if twin_pos < base else recs[kept[twin_pos - base]].id
                self.clusters.setdefault(twin, []).append(rec.id)
                self.by_source[rec.source] = self.by_source.get(rec.source, 0) + 1
                out.append("near_duplicate")
            else:
                position[k] = base + len(kept)
                kept.append(k)
                out.append(None)
        index.add_rows([recs[k].id for k in kept], qs, np.array(kept, dtype=np.int64))
        return out

    def report(self) -> dict[str, Any]:
        return {"clusters": len(self.clusters), "removed": sum(len(v) for v in self.clusters.values()),
                "by_source": dict(sorted(self.by_source.items())),
                "examples": [[kept, *dups[:2]] for kept, dups in list(self.clusters.items())[:3]]}


def cross_split_after_filter(splits: dict[str, list[Record]],
                             eval_splits: Iterable[str] = ("golden", "test", "val")) -> dict[str, Any]:
    """The cross-split report when the filter dropped near-duplicates: every pooled record passed it, and it
    keeps a record only if it matches no record kept before it, so no two kept records match (a match is
    symmetric) and no evaluation pair can have a near-twin in train. Nothing to search for; tests check
    the claim with `cross_split` and with exact Jaccard on the files."""
    return {"checked": [s for s in eval_splits if s in splits], "found": 0, "removed_from_train": 0, "examples": [],
            "after": 0, "why": "every pair passed the near-dup filter, which keeps no two near-duplicates"}


def cross_split(splits: dict[str, list[Record]], p: Params, threshold: float,
                eval_splits: Iterable[str] = ("golden", "test", "val")) -> tuple[dict[str, Any], set[str]]:
    """Train pairs that are near-duplicates of an evaluation pair leave train (the evaluation pair stays);
    returns the report and the ids removed. Run when the pool was not filtered (`near_dup.drop: false`)."""
    train = {r.id: i for i, r in enumerate(splits["train"])}
    index = Index(p, threshold)
    index.add_many([r.id for r in splits["train"]], [sketch_of(r, p) for r in splits["train"]])
    ids = index.ids
    removed: set[str] = set()
    found = 0
    examples: list[list[str]] = []
    checked = [s for s in eval_splits if s in splits]
    evaluated = [r for name in checked for r in splits[name]]
    # Every evaluation pair's matches at once; then, pair by pair, its train matches, most similar first.
    matched: list[list[tuple[float, int]]] = [[] for _ in evaluated]
    q, c, j = index.match_many(gather([sketch_of(r, p) for r in evaluated]))
    for qk, ck, jk in zip(q.tolist(), c.tolist(), j.tolist(), strict=True):
        t = train.get(ids[ck])
        if t is not None:
            matched[qk].append((-jk, t))
    in_train: list[list[str]] = []  # each evaluation pair's train matches, most similar first
    for r, ranked in zip(evaluated, matched, strict=True):
        twins = [splits["train"][t].id for _, t in sorted(ranked)]
        in_train.append(twins)
        hits = [t for t in twins if t not in removed]
        if hits:
            found += 1
            if len(examples) < 3:
                examples.append([r.id, hits[0]])
            removed.update(hits)
    splits["train"] = [r for r in splits["train"] if r.id not in removed]
    # What an index of the train that is left would find (matches are pairwise, so no second index).
    after = sum(1 for twins in in_train if any(t not in removed for t in twins))
    return {"checked": checked, "found": found, "removed_from_train": len(removed), "examples": examples,
            "after": after}, removed
