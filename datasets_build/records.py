"""The record that flows through the pipeline, drops with reasons, and the errors sources raise."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

Message = dict[str, str]
_encode_str = json.encoder.encode_basestring  # the string encoder json.dumps uses with ensure_ascii=False


class DataError(ValueError):
    """Bad input that stops a build (on_error: fail); the message names the file and line or the field."""


@dataclass(slots=True)
class Record:
    id: str
    prompt: list[Message]
    chosen: str
    rejected: str
    source: str
    lang: str
    domain: str
    quality: int
    origin: str  # "file:line" or "generator:index": where to look when a record is questioned
    raw: Any = None
    declared_lang: str = ""
    n_tokens: int = 0
    n_tokens_rejected: int = 0  # prompt + rejected, exact
    bucket: str = ""
    meta: dict[str, Any] = field(default_factory=dict)
    fp: str = ""  # dedup fingerprint, computed once in the annotate step
    split_line: str = ""  # the record as its split-file JSON line, serialised in the worker
    sig: Any = None  # near_dup.Sketch of prompt + chosen (its chunk's Sketches, its row), from the annotate step
    lint_hits: tuple[str, ...] | None = None  # the per-pair lint checks it fails (lint.pair_hits), from annotate

    def to_split_json(self) -> dict[str, Any]:
        """The trainer's split-record contract (TRL conversational columns plus metadata)."""
        return {"id": self.id, "prompt": self.prompt,
                "chosen": [{"role": "assistant", "content": self.chosen}],
                "rejected": [{"role": "assistant", "content": self.rejected}],
                "source": self.source, "lang": self.lang, "domain": self.domain, "quality": self.quality,
                "bucket": self.bucket, "n_tokens": self.n_tokens}

    def split_json_line(self) -> str:
        """dumps(self.to_split_json()), built directly for the usual shape (every record gets one, ~2x faster)."""
        enc = _encode_str
        if not (_plain_messages(self.prompt) and type(self.quality) is int and type(self.n_tokens) is int
                and all(type(v) is str for v in (self.id, self.chosen, self.rejected, self.source, self.lang,
                                                  self.domain, self.bucket))):
            return dumps(self.to_split_json())
        prompt = ", ".join(f'{{"role": {enc(m["role"])}, "content": {enc(m["content"])}}}' for m in self.prompt)
        return (f'{{"id": {enc(self.id)}, "prompt": [{prompt}], '
                f'"chosen": [{{"role": "assistant", "content": {enc(self.chosen)}}}], '
                f'"rejected": [{{"role": "assistant", "content": {enc(self.rejected)}}}], '
                f'"source": {enc(self.source)}, "lang": {enc(self.lang)}, "domain": {enc(self.domain)}, '
                f'"quality": {self.quality}, "bucket": {enc(self.bucket)}, "n_tokens": {self.n_tokens}}}')


@dataclass(slots=True)
class Drop:
    """A row a source read but could not turn into a record; counted under `reason`."""

    reason: str
    origin: str
    message: str = ""
    raw: Any = None


def make_id(source: str, prompt: list[Message], chosen: str, rejected: str) -> str:
    """A content hash, so ids (and with them split membership) never depend on position in the input."""
    return f"{source}-{hashlib.sha256(_id_payload(prompt, chosen, rejected).encode()).hexdigest()[:16]}"


def _plain_messages(prompt: Any) -> bool:
    """Messages that are exactly {"role": str, "content": str}, in that key order."""
    return type(prompt) is list and all(
        type(m) is dict and len(m) == 2 and type(m.get("role")) is str and type(m.get("content")) is str
        and next(iter(m)) == "role" for m in prompt)


def _id_payload(prompt: list[Message], chosen: str, rejected: str) -> str:
    """json.dumps([prompt, chosen, rejected], ensure_ascii=False, sort_keys=True), built directly for the
    usual shape ({role, content} string messages; the read stage runs this once per pair, serially)."""
    if all(type(m) is dict and len(m) == 2 and type(m.get("role")) is str and type(m.get("content")) is str
           for m in prompt) and type(chosen) is str and type(rejected) is str:
        enc = _encode_str
        msgs = ", ".join(f'{{"content": {enc(m["content"])}, "role": {enc(m["role"])}}}' for m in prompt)
        return f"[[{msgs}], {enc(chosen)}, {enc(rejected)}]"
    return json.dumps([prompt, chosen, rejected], ensure_ascii=False, sort_keys=True)


def dumps(obj: Any) -> str:
    """The one JSON line format every output file uses (stable key order from the dict, UTF-8 text)."""
    return json.dumps(obj, ensure_ascii=False)
