"""Batched language identification that decides exactly as py3langid's `LanguageIdentifier.classify`.

py3langid walks its byte-level DFA in pure Python and scores each text with a few small numpy calls, so a
~120-character sample costs tens of microseconds, nearly all of it interpreter and per-call overhead. Here
the walk runs for a whole batch at once: step t advances every sample that still has a byte t with two
numpy calls, so that overhead is shared by the batch; feature counts and naive-Bayes scores then take a
handful of array operations for the whole batch.

Same decisions, not just nearly: scores are summed exactly (float64 over py3langid's float32 terms), and
a sample whose two best classes are closer than py3langid's float32 rounding could possibly move them
(a rigorous error bound) is handed to py3langid itself. Such near ties are rare, so that costs nothing.
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache
from typing import Any

import numpy as np

UND = "und"  # the label of an empty or whitespace-only sample; the model is not asked about those

# While fewer samples than this are still walking, a numpy step (two calls, a few µs of overhead) costs
# more than walking their remaining bytes in Python, so the last few long samples finish in Python (and a
# batch this small walks in Python throughout; its scoring is still one numpy pass).
_PY_TAIL = 16
# Samples longer than this (bytes) go to py3langid one by one: the batch walk pads every sample to the
# longest one, and one stray huge text must not blow up that matrix. Dataset samples are ~120 chars.
_LONG = 2048
# At most this many samples per walk: bounds the matrices, and (sample, feature) keys stay int32, whose
# sort is twice as fast as int64's.
_CHUNK = 4096
# py3langid sums float32 terms; 2**-24 is float32's unit roundoff.
_U32 = 2.0 ** -24


class BatchLanguageIdentifier:
    """py3langid's model restricted to a few languages, classifying lists of short texts at once."""

    def __init__(self, ident: Any) -> None:
        """Wrap a py3langid `LanguageIdentifier` (norm_probs=False, already restricted with set_languages).

        The wrapper owns `ident` from then on: near ties are decided by it, so its languages must not change.
        """
        if ident._norm_probs or ident.min_confidence is not None:
            raise ValueError("BatchLanguageIdentifier reproduces the raw-score argmax only (norm_probs=False)")
        self._ident = ident
        self.labels: list[str] = list(ident.nb_classes)
        # py3langid's DFA: state = nextmove[rowbase[state] + byte] (~9.8M transitions, deduplicated rows);
        # a state emits feature output[state] when that is >= 0. nextmove stays a zero-copy view of
        # py3langid's array.array, so the model is not held twice.
        nm = ident.tk_nextmove
        self._nextmove = np.frombuffer(nm, dtype=np.dtype(f"=u{nm.itemsize}"))
        rowbase = np.asarray(ident._rowbase, dtype=np.int64)
        # The walk keeps, per sample, the row offset of its state rather than the state: with this one
        # table (int32, ~40 MB, built in ~0.1 s) a step is one add and one gather instead of three calls.
        self._next_rowbase = rowbase[self._nextmove].astype(np.int32)
        self._output = np.asarray(ident.tk_output, dtype=np.int32)
        # (sample, feature) keys pack the feature in the low bits; chunks are small enough for int32.
        self._feature_bits = max(1, int(self._output.max()).bit_length())
        self._chunk = max(1, min(_CHUNK, 2 ** (31 - self._feature_bits)))
        # float16 → float32 is exact, and a float32 × float32 product is exact in float64: the scores below
        # are the exact sums of the terms py3langid adds up in float32. One contiguous array per class.
        weights = np.asarray(ident.nb_ptc, dtype=np.float32).astype(np.float64)
        self._weights = [np.ascontiguousarray(weights[:, c]) for c in range(weights.shape[1])]
        self._max_weight = float(np.abs(weights).max()) if weights.size else 0.0
        self._prior = np.asarray(ident.nb_pc, dtype=np.float32).astype(np.float64)
        self._max_prior = float(np.abs(self._prior).max()) if self._prior.size else 0.0
        self._alias_pairs: list[tuple[int, int]] = list(ident._alias_pairs)
        # py3langid's float32 log1p of every possible count (a sample here has at most _LONG bytes).
        self._log1p = np.log1p(np.arange(_LONG + 1, dtype=np.float32)).astype(np.float64)
        # Every walk starts in state 0, whose row does not start at offset 0.
        self._start = int(rowbase[0])
        # For the Python tail of a walk: indexing a memoryview gives plain ints, much faster than numpy.
        self._py_next_rowbase = self._next_rowbase.data

    @classmethod
    def from_languages(cls, languages: tuple[str, ...]) -> BatchLanguageIdentifier:
        """Load py3langid's bundled model (about a second) restricted to `languages` (ISO 639 codes)."""
        from py3langid.langid import MODEL_FILE, LanguageIdentifier

        ident = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=False)
        ident.set_languages(list(languages))
        return cls(ident)

    def classify_batch(self, samples: list[str]) -> list[str]:
        """The label of each sample, as `ident.classify(sample)[0]` gives it; "und" for empty/blank ones."""
        labels: list[str] = [UND] * len(samples)
        todo: list[int] = []
        encoded: list[bytes] = []
        for i, s in enumerate(samples):
            if not s.strip():
                continue
            b = _encode(s)
            if len(b) > _LONG:
                labels[i] = self._ident.classify(s)[0]
            else:
                todo.append(i)
                encoded.append(b)
        for lo in range(0, len(todo), self._chunk):
            chunk = encoded[lo:lo + self._chunk]
            classes = self._classify_encoded(chunk).tolist()
            for i, c in zip(todo[lo:lo + self._chunk], classes, strict=True):
                # -1 marks a near tie: only py3langid's own float32 arithmetic can settle it
                labels[i] = self.labels[c] if c >= 0 else self._ident.classify(samples[i])[0]
        return labels

    def _walk(self, encoded: list[bytes]) -> np.ndarray:
        """One key (j << feature_bits) | feature per feature the DFA emits while reading sample j."""
        n, bits = len(encoded), self._feature_bits
        lens = np.fromiter(map(len, encoded), dtype=np.int64, count=n)
        # Longest first, so the samples still walking at step t are always a prefix of the batch.
        order = np.argsort(-lens, kind="stable")
        lens_sorted = lens[order]
        maxlen = int(lens_sorted[0])
        n_alive = np.bincount(lens_sorted, minlength=maxlen + 1)[::-1].cumsum()[::-1][1:].tolist()
        t, keys = 0, np.empty(0, dtype=np.int32)
        cur = np.full(n, self._start, dtype=np.int32)  # row offset of each sample's state
        if n_alive[0] >= _PY_TAIL:
            # Bytes and transitions time-major: each step touches one contiguous prefix of a row.
            alive = lens_sorted[None, :] > np.arange(maxlen)[:, None]  # (maxlen, n)
            rows = np.zeros((n, maxlen), dtype=np.uint8)
            rows[alive.T] = np.frombuffer(b"".join([encoded[j] for j in order]), dtype=np.uint8)
            data = np.ascontiguousarray(rows.T)
            trans = np.zeros((maxlen, n), dtype=np.int32)  # trans[t, j]: the nextmove index of step t
            next_rowbase = self._next_rowbase
            while t < maxlen and n_alive[t] >= _PY_TAIL:
                k = n_alive[t]
                step = trans[t, :k]
                np.add(cur[:k], data[t, :k], out=step)
                next_rowbase.take(step, out=cur[:k], mode="clip")  # in range anyway; "clip" skips a check
                t += 1
            alive[t:] = False  # steps left to the Python walk below
            feats = self._output[self._nextmove[trans[alive]]]
            j_sorted = np.broadcast_to(np.arange(n, dtype=np.int32), alive.shape)[alive]
            keys = (feats | (order.astype(np.int32)[j_sorted] << bits))[feats >= 0]
        if t < maxlen:
            # The few samples still walking (all of a small batch) finish in Python: the same two
            # steps, one byte at a time.
            nrb = self._py_next_rowbase
            tail: list[int] = []
            owner: list[int] = []
            for j in range(n_alive[t]):
                c, start = int(cur[j]), len(tail)
                for byte in encoded[order[j]][t:]:
                    c += byte
                    tail.append(c)
                    c = nrb[c]
                owner.append(len(tail) - start)
            feats = self._output[self._nextmove[np.array(tail, dtype=np.intp)]]
            j_orig = np.repeat(order[:len(owner)].astype(np.int32), owner)
            keys = np.concatenate([keys, (feats | (j_orig << bits))[feats >= 0]])
        return keys

    def _classify_encoded(self, encoded: list[bytes]) -> np.ndarray:
        """Class index per encoded (non-empty) sample; -1 where float32 rounding could flip the decision."""
        n, bits = len(encoded), self._feature_bits
        keys = self._walk(encoded)
        # Featureless samples: py3langid scores every class at its floor, so argmax → class 0.
        result = np.zeros(n, dtype=np.int64)
        if not len(keys):
            return result
        # Count each (sample, feature) pair: sort the keys and run-length them.
        keys.sort()
        starts = np.flatnonzero(np.concatenate(([True], keys[1:] != keys[:-1])))
        counts = np.diff(np.append(starts, len(keys)))
        pairs = keys[starts]
        sample, feature = pairs >> bits, pairs & ((1 << bits) - 1)
        # Runs of one sample, in sample order (the keys are sorted).
        first = np.flatnonzero(np.concatenate(([True], sample[1:] != sample[:-1])))
        has = sample[first]
        # py3langid's terms are float32 log1p(count) × float32 weight; summed exactly here in float64.
        v = self._log1p[counts]
        scores = np.stack([np.add.reduceat(v * w.take(feature), first) for w in self._weights], axis=1)
        scores += self._prior
        mass = len(self._weights) * (self._max_weight * np.add.reduceat(v, first) + self._max_prior)
        bound = _bound(np.diff(np.append(first, len(sample))), mass)
        # Script aliases (two columns, one label): py3langid keeps the better score in the first one.
        for i, j in self._alias_pairs:
            scores[:, i] = np.maximum(scores[:, i], scores[:, j])
            scores[:, j] = -np.inf
        best = scores.argmax(axis=1)  # ties → the lowest index, as in py3langid
        if scores.shape[1] > 1:
            top2 = np.sort(scores, axis=1)[:, -2:]
            best[top2[:, 1] - top2[:, 0] <= bound] = -1
        result[has] = best
        return result


def _bound(n_terms: Any, mass: Any) -> Any:
    """How far apart two class scores may be and py3langid's float32 arithmetic still order them either way.

    Whatever its summation order (FMA or not), each of its n_terms + 1 additions and each rounding of a
    product or a log1p moves a class score by at most u × Σ|terms| ≤ u × mass; ×4 covers both classes
    with room to spare.
    """
    return 4.0 * (n_terms + 8) * _U32 * mass


def _encode(text: str) -> bytes:
    """The bytes py3langid's DFA reads for `text` (LanguageIdentifier._encode of a str)."""
    if text.isupper():
        text = text.lower()
    return unicodedata.normalize("NFC", text).encode("utf8", errors="surrogatepass")


@lru_cache(maxsize=4)
def load(languages: tuple[str, ...]) -> BatchLanguageIdentifier:
    """One identifier per language tuple and process (loading the model takes about a second)."""
    return BatchLanguageIdentifier.from_languages(languages)
