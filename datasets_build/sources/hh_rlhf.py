"""Anthropic HH-RLHF: whole dialogues split into a shared prompt and the two final assistant responses.

Real quirks are counted, not hidden: pairs whose dialogues differ before the last "\\n\\nAssistant:"
(`prefix_mismatch`), an empty final response (`empty_response`) and a dialogue without any assistant
turn (`no_assistant_turn`).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from datasets_build.records import Drop, Message, Record, make_id
from datasets_build.sources.base import FILE_DEFAULTS, FILE_OPTIONS, SourceContext, convert_rows, iter_rows

DEFAULTS = {"lang": "en", "domain": "general_assistant", "quality": 4, **FILE_DEFAULTS}
OPTIONS = {"path": str, "subset": str, "split": str, "revision": str, **FILE_OPTIONS}
ASSISTANT = "\n\nAssistant:"
_TURN = re.compile(r"\n\n(Human|Assistant):")


def split_dialogue(text: str) -> tuple[str, str] | None:
    """(prompt part up to and including the last "\\n\\nAssistant:", final response) or None."""
    cut = text.rfind(ASSISTANT)
    if cut < 0:
        return None
    cut += len(ASSISTANT)
    return text[:cut], text[cut:].strip()


def to_messages(prefix: str) -> list[Message]:
    """The dialogue before the final response as conversational messages (user/assistant turns)."""
    body = prefix[: -len(ASSISTANT)] if prefix.endswith(ASSISTANT) else prefix
    messages: list[Message] = []
    parts = _TURN.split(body)
    # parts = [text before the first marker, role, content, role, content, ...]
    if parts[0].strip():
        messages.append({"role": "user", "content": parts[0].strip()})
    for role, content in zip(parts[1::2], parts[2::2], strict=True):
        messages.append({"role": "user" if role == "Human" else "assistant", "content": content.strip()})
    return messages


def read(ctx: SourceContext) -> Iterator[Record | Drop]:
    label, rows = iter_rows(ctx)
    yield from convert_rows(ctx, label, rows, lambda obj, origin: _convert(ctx, obj, origin))


def _convert(ctx: SourceContext, obj: Any, origin: str) -> Record | Drop:
    if not isinstance(obj, dict):
        return ctx.bad("wrong_type", origin, f"expected a JSON object, got {type(obj).__name__}", obj)
    for key in ("chosen", "rejected"):
        if key not in obj:
            return ctx.bad("missing_field", origin, f"missing field {key!r}", obj)
        if not isinstance(obj[key], str):
            return ctx.bad("wrong_type", origin, f"field {key!r} must be a string, got {type(obj[key]).__name__}",
                           obj)
    chosen, rejected = split_dialogue(obj["chosen"]), split_dialogue(obj["rejected"])
    if chosen is None or rejected is None:
        return Drop("no_assistant_turn", origin, "a dialogue has no \\n\\nAssistant: turn", obj)
    if chosen[0] != rejected[0]:
        return Drop("prefix_mismatch", origin, "chosen and rejected differ before the last Assistant turn", obj)
    if not chosen[1] or not rejected[1]:
        return Drop("empty_response", origin, "a final assistant response is empty", obj)
    prompt = to_messages(chosen[0])
    return Record(id=make_id(ctx.name, prompt, chosen[1], rejected[1]), prompt=prompt, chosen=chosen[1],
                  rejected=rejected[1], source=ctx.name, lang=ctx.opt("lang"), domain=ctx.opt("domain"),
                  quality=ctx.opt("quality"), origin=origin, raw=obj)
