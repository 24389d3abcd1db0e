"""Seeded Swedish preference pairs: support emails, meeting summaries, knowledge QA (rule-based, quality 3)."""

from __future__ import annotations

from collections.abc import Iterator

from datasets_build.records import Drop, Record, make_id
from datasets_build.sources.base import SourceContext
from datasets_build.synthetic import DEFAULT_WEIGHTS, generate

LANG = "sv"
DEFAULTS = {"lang": LANG, "domain": "mixed", "quality": 3}
OPTIONS = {"n": int, "seed": int, "domains": dict}


def read(ctx: SourceContext) -> Iterator[Record | Drop]:
    return read_generated(ctx, LANG)


def read_generated(ctx: SourceContext, lang: str) -> Iterator[Record | Drop]:
    n = ctx.opt("n", 480)
    seed = ctx.opt("seed", ctx.seed)
    weights = ctx.opt("domains") or DEFAULT_WEIGHTS
    for pair in generate(lang, n, seed, weights):
        prompt, chosen, rejected = pair["prompt"], pair["chosen"], pair["rejected"]
        yield Record(id=make_id(ctx.name, prompt, chosen, rejected), prompt=prompt, chosen=chosen,
                     rejected=rejected, source=ctx.name, lang=ctx.opt("lang"), domain=pair["domain"],
                     quality=ctx.opt("quality"), origin=f"generator:{ctx.name}:{pair['index']}", raw=pair,
                     meta={"rejected_kind": pair["rejected_kind"]})
