"""Seeded English counterpart of the Swedish synthetic pairs (same domains and rejected kinds)."""

from __future__ import annotations

from collections.abc import Iterator

from datasets_build.records import Drop, Record
from datasets_build.sources.base import SourceContext
from datasets_build.sources.swedish_synthetic import read_generated

LANG = "en"
DEFAULTS = {"lang": LANG, "domain": "mixed", "quality": 3}
OPTIONS = {"n": int, "seed": int, "domains": dict}


def read(ctx: SourceContext) -> Iterator[Record | Drop]:
    return read_generated(ctx, LANG)
