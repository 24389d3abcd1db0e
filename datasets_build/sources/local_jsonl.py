"""A user's JSONL file of pairs: prompt (string or messages), chosen and rejected (string or messages);
every bad line is reported as file:line (or dropped and counted under on_error: skip)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from datasets_build.records import Drop, Message, Record, make_id
from datasets_build.sources.base import FILE_DEFAULTS, FILE_OPTIONS, SourceContext, convert_rows, file_rows

DEFAULTS = {"lang": "sv", "domain": "general_assistant", "quality": 3, **FILE_DEFAULTS}
OPTIONS = {"path": str, **FILE_OPTIONS}
ROLES = ("system", "user", "assistant")


def _messages(value: Any, field: str) -> tuple[list[Message] | None, str]:
    if isinstance(value, str):
        return [{"role": "user", "content": value}], ""
    if not isinstance(value, list) or not value:
        return None, f"field {field!r} must be a string or a non-empty list of messages"
    out = []
    for i, m in enumerate(value):
        if not isinstance(m, dict) or not isinstance(m.get("role"), str) or not isinstance(m.get("content"), str):
            return None, f"field {field!r} message {i} must be an object with string 'role' and 'content'"
        if m["role"] not in ROLES:
            return None, f"field {field!r} message {i} has role {m['role']!r} (choose from {', '.join(ROLES)})"
        out.append({"role": m["role"], "content": m["content"]})
    return out, ""


def _response(value: Any, field: str) -> tuple[str | None, str]:
    """A response given as a string, or as messages whose last one is the assistant's answer."""
    if isinstance(value, str):
        return value, ""
    msgs, err = _messages(value, field)
    if msgs is None:
        return None, err
    if msgs[-1]["role"] != "assistant":
        return None, f"field {field!r}: the last message must have role 'assistant'"
    return msgs[-1]["content"], ""


def read(ctx: SourceContext) -> Iterator[Record | Drop]:
    label, rows = file_rows(ctx)
    yield from convert_rows(ctx, label, rows, lambda obj, origin: convert(ctx, obj, origin))


def convert(ctx: SourceContext, obj: Any, origin: str) -> Record | Drop:
    if not isinstance(obj, dict):
        return ctx.bad("wrong_type", origin, f"expected a JSON object, got {type(obj).__name__}", obj)
    for key in ("prompt", "chosen", "rejected"):
        if key not in obj:
            return ctx.bad("missing_field", origin, f"missing field {key!r}", obj)
    prompt, err = _messages(obj["prompt"], "prompt")
    if prompt is None:
        return ctx.bad("wrong_type", origin, err, obj)
    chosen, err = _response(obj["chosen"], "chosen")
    if chosen is None:
        return ctx.bad("wrong_type", origin, err, obj)
    rejected, err = _response(obj["rejected"], "rejected")
    if rejected is None:
        return ctx.bad("wrong_type", origin, err, obj)
    domain = obj.get("domain", ctx.opt("domain"))
    if not isinstance(domain, str):
        return ctx.bad("wrong_type", origin, "field 'domain' must be a string", obj)
    return Record(id=make_id(ctx.name, prompt, chosen, rejected), prompt=prompt, chosen=chosen, rejected=rejected,
                  source=ctx.name, lang=ctx.opt("lang"), domain=domain, quality=ctx.opt("quality"), origin=origin,
                  raw=obj)
