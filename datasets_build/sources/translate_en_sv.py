"""EN→SV machine translation of English pairs kept by earlier sources, with a local seq2seq model.

The model is a hub id (e.g. Helsinki-NLP/opus-mt-en-sv) or a local directory, run through transformers in
batches with greedy decoding. Every translation is cached under a hash of (model, text), so a rerun
translates nothing again and gives the same bytes.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterator
from pathlib import Path

from datasets_build.records import DataError, Drop, Record, make_id
from datasets_build.sources.base import SourceContext
from datasets_build.splits import unit_hash

DEFAULTS = {"lang": "sv", "domain": "translated", "quality": 3}
OPTIONS = {"from": list, "n": int, "model": str, "revision": str, "batch_size": int, "max_length": int,
           "max_new_tokens": int, "cache_dir": str, "device": str}
DEFAULT_MODEL = "Helsinki-NLP/opus-mt-en-sv"


def model_key(model: str, revision: str | None = None) -> str:
    """Identity of a model for the cache: the id and revision, or for a local dir the hash of its files."""
    path = Path(model)
    h = hashlib.sha256()
    if path.is_dir():
        for f in sorted(path.iterdir()):
            if f.is_file() and f.suffix in (".json", ".safetensors", ".bin", ".model", ".spm", ".txt"):
                h.update(f.name.encode())
                with open(f, "rb") as fh:
                    while block := fh.read(1 << 20):
                        h.update(block)
    else:
        h.update(f"{model}@{revision or 'main'}".encode())
    return h.hexdigest()[:16]


class TranslationCache:
    """JSONL file of {key: sha256(model key + text), sv: translation}; appended to, read whole."""

    def __init__(self, cache_dir: Path, key: str) -> None:
        self.path = cache_dir / f"mt-{key}.jsonl"
        self.key = key
        self.entries: dict[str, str] = {}
        if self.path.is_file():
            with open(self.path, encoding="utf-8") as fh:
                for line in fh:
                    try:
                        row = json.loads(line)
                        self.entries[row["key"]] = row["sv"]
                    except (json.JSONDecodeError, KeyError, TypeError):
                        continue  # a torn last line from an interrupted run: that text is translated again
        self.hits = 0
        self.misses = 0

    def text_key(self, text: str) -> str:
        return hashlib.sha256(f"{self.key}\0{text}".encode()).hexdigest()

    def get(self, text: str) -> str | None:
        return self.entries.get(self.text_key(text))

    def add(self, pairs: list[tuple[str, str]]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.path, "a", encoding="utf-8") as fh:
            for text, sv in pairs:
                k = self.text_key(text)
                self.entries[k] = sv
                fh.write(json.dumps({"key": k, "sv": sv}, ensure_ascii=False) + "\n")
            fh.flush()
            os.fsync(fh.fileno())


def translate_texts(texts: list[str], model: str, cache: TranslationCache, batch_size: int = 16,
                    max_length: int = 512, max_new_tokens: int = 512, device: str = "cpu",
                    revision: str | None = None) -> list[str]:
    """Translations of `texts` (cached ones from the cache, the rest through the model in batches)."""
    todo = sorted({t for t in texts if t.strip() and cache.get(t) is None})
    cache.hits += len(texts) - len(todo)
    if todo:
        import torch
        from transformers import AutoModelForSeq2SeqLM, AutoTokenizer

        tok = AutoTokenizer.from_pretrained(model, revision=revision)
        mt = AutoModelForSeq2SeqLM.from_pretrained(model, revision=revision).to(device).eval()
        # Longest first: batches of similar length waste less padding.
        todo.sort(key=len, reverse=True)
        for i in range(0, len(todo), batch_size):
            batch = todo[i:i + batch_size]
            enc = tok(batch, return_tensors="pt", padding=True, truncation=True, max_length=max_length).to(device)
            with torch.inference_mode():
                out = mt.generate(**enc, max_new_tokens=max_new_tokens, num_beams=1, do_sample=False)
            cache.add(list(zip(batch, tok.batch_decode(out, skip_special_tokens=True), strict=True)))
            cache.misses += len(batch)
    return [(cache.get(t) or "").strip() if t.strip() else t for t in texts]


def read(ctx: SourceContext) -> Iterator[Record | Drop]:
    names = ctx.opt("from") or [n for n, recs in ctx.previous.items() if recs and recs[0].declared_lang == "en"]
    missing = [n for n in names if n not in ctx.previous]
    if missing:
        raise DataError(f"source {ctx.name!r}: `from` names {missing}, which are not sources listed before it "
                        f"(earlier sources: {list(ctx.previous)})")
    pool = [r for n in names for r in ctx.previous[n] if r.lang == "en"]
    n = ctx.opt("n", 200)
    chosen_recs = sorted(pool, key=lambda r: (unit_hash(r.id, f"translate:{ctx.seed}"), r.id))[:n]
    model = ctx.opt("model", DEFAULT_MODEL)
    revision = ctx.opt("revision")
    cache = TranslationCache(Path(ctx.opt("cache_dir", "outputs/data/mt-cache")), model_key(model, revision))
    texts = [t for r in chosen_recs for t in (*(m["content"] for m in r.prompt), r.chosen, r.rejected)]
    translated = iter(translate_texts(texts, model, cache, ctx.opt("batch_size", 16), ctx.opt("max_length", 512),
                                      ctx.opt("max_new_tokens", 512), ctx.opt("device", "cpu"), revision))
    for r in chosen_recs:
        prompt = [{"role": m["role"], "content": next(translated)} for m in r.prompt]
        chosen, rejected = next(translated), next(translated)
        yield Record(id=make_id(ctx.name, prompt, chosen, rejected), prompt=prompt, chosen=chosen, rejected=rejected,
                     source=ctx.name, lang=ctx.opt("lang"), domain=r.domain,
                     quality=min(ctx.opt("quality"), r.quality), origin=f"translated:{r.id}",
                     raw={"from": r.id, "model": model, "en": {"prompt": r.prompt, "chosen": r.chosen,
                                                                "rejected": r.rejected}},
                     meta={"translated_from": r.id})
    ctx.stats.update(translation_cache_hits=cache.hits, translated=cache.misses)
