"""PKU-SafeRLHF: one prompt, two responses; the recipe picks the preference axis (`safer` or `better`)
and whether rows where both responses are unsafe are dropped (`both_unsafe`); both go into the manifest."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from datasets_build.records import DataError, Drop, Record, make_id
from datasets_build.sources.base import FILE_DEFAULTS, FILE_OPTIONS, SourceContext, convert_rows, iter_rows

DEFAULTS = {"lang": "en", "domain": "policy_safety", "quality": 4, **FILE_DEFAULTS}
OPTIONS = {"path": str, "subset": str, "split": str, "revision": str, "preference": str, "drop_both_unsafe": bool,
           **FILE_OPTIONS}
PREFERENCES = ("safer", "better")
_REQUIRED = {"prompt": str, "response_0": str, "response_1": str, "is_response_0_safe": bool,
             "is_response_1_safe": bool, "better_response_id": int, "safer_response_id": int}


def read(ctx: SourceContext) -> Iterator[Record | Drop]:
    preference = ctx.opt("preference", "safer")
    if preference not in PREFERENCES:
        raise DataError(f"source {ctx.name!r}: preference must be one of {PREFERENCES}, got {preference!r}")
    drop_both_unsafe = bool(ctx.opt("drop_both_unsafe", True))
    label, rows = iter_rows(ctx)
    yield from convert_rows(ctx, label, rows,
                            lambda obj, origin: _convert(ctx, obj, origin, preference, drop_both_unsafe))


def _convert(ctx: SourceContext, obj: Any, origin: str, preference: str, drop_both_unsafe: bool) -> Record | Drop:
    if not isinstance(obj, dict):
        return ctx.bad("wrong_type", origin, f"expected a JSON object, got {type(obj).__name__}", obj)
    for key, typ in _REQUIRED.items():
        if key not in obj:
            return ctx.bad("missing_field", origin, f"missing field {key!r}", obj)
        value = obj[key]
        # bool is an int in Python; the ids must be real 0/1 integers, the flags real booleans.
        if not isinstance(value, typ) or (typ is int and isinstance(value, bool)):
            return ctx.bad("wrong_type", origin,
                           f"field {key!r} must be {typ.__name__}, got {type(value).__name__}", obj)
    pick = obj[f"{preference}_response_id"]
    if pick not in (0, 1):
        return ctx.bad("wrong_type", origin, f"field '{preference}_response_id' must be 0 or 1, got {pick}", obj)
    if drop_both_unsafe and not obj["is_response_0_safe"] and not obj["is_response_1_safe"]:
        return Drop("both_unsafe", origin, "both responses are unsafe", obj)
    prompt = [{"role": "user", "content": obj["prompt"].strip()}]
    chosen, rejected = obj[f"response_{pick}"].strip(), obj[f"response_{1 - pick}"].strip()
    return Record(id=make_id(ctx.name, prompt, chosen, rejected), prompt=prompt, chosen=chosen, rejected=rejected,
                  source=ctx.name, lang=ctx.opt("lang"), domain=ctx.opt("domain"), quality=ctx.opt("quality"),
                  origin=origin, raw=obj,
                  meta={"chosen_safe": obj[f"is_response_{pick}_safe"],
                        "rejected_safe": obj[f"is_response_{1 - pick}_safe"]})
