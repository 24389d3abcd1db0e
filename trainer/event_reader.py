"""Reading events.jsonl as bytes, one line at a time: a bad byte costs the record it is in, nothing more.

What a crash or a power cut leaves in an append-only log, and what we do with it:
- a torn last line (killed mid-write, no trailing newline): not an event yet; skipped, not counted;
- a zero-filled block (the file grew but the data never reached the disk): the NULs are stripped and
  the line counted as damaged, and an event that was appended after them is still read;
- bytes that are not UTF-8, text that is not JSON, JSON that is not an event (no int `seq`, no `type`):
  skipped and counted, so every reader can say "N damaged lines skipped".
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass
class Damage:
    """Lines of one read that could not be used; `first_line` is 1-based, for the message."""

    lines: int = 0
    first_line: int | None = None

    def note(self, lineno: int) -> None:
        self.lines += 1
        if self.first_line is None:
            self.first_line = lineno

    def describe(self, path: Path) -> str:
        where = f" (first at line {self.first_line})" if self.first_line else ""
        return f"{path}: skipped {self.lines} damaged line{'s' if self.lines != 1 else ''}{where}"


def is_event(obj: Any) -> bool:
    seq = obj.get("seq") if isinstance(obj, dict) else None
    return (isinstance(seq, int) and not isinstance(seq, bool) and seq > 0
            and isinstance(obj.get("type"), str))


def parse_line(raw: bytes) -> tuple[dict[str, Any] | None, bool]:
    """(event or None, damaged) for one newline-terminated line."""
    body = raw.strip(b"\x00 \t\r\n")
    zeros = b"\x00" in raw
    if not body:
        return None, zeros
    try:
        obj = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return None, True
    if not is_event(obj):
        return None, True
    return obj, zeros


def read_events(path: Path, from_seq: int = 0, damage: Damage | None = None) -> Iterator[dict[str, Any]]:
    """Events with seq > from_seq, in file order; damaged lines go to `damage` instead of raising."""
    try:
        f = open(path, "rb")  # noqa: SIM115 (closed by the with below)
    except FileNotFoundError:
        return
    with f:
        for lineno, raw in enumerate(f, 1):
            if not raw.endswith(b"\n"):
                return  # torn tail: a write that never finished
            ev, damaged = parse_line(raw)
            if damaged and damage is not None:
                damage.note(lineno)
            if ev is not None and ev["seq"] > from_seq:
                yield ev
