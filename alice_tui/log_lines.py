"""The run's log for the full-screen view: library warnings folded, lines wrapped, searched (no Textual)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from alice_tui import fmt

# A Python warning as `warnings` prints it: "path/to/file.py:123: FutureWarning: message".
WARNING = re.compile(r"(?P<where>\S+\.py):\d+: (?P<cat>\w*Warning): (?P<msg>.*)$")


@dataclass(frozen=True, slots=True)
class Folded:
    lines: list[str]
    folded: int  # warning lines left out (repeats and their source lines)
    kinds: int  # distinct warnings


def fold_warnings(lines: list[str]) -> Folded:
    """Each distinct warning once, where it first appears, with how often it came (`[×N]`); the source
    line `warnings` prints under it (indented) goes with it."""
    counts: dict[tuple[str, str], int] = {}
    for line in lines:
        if m := WARNING.search(line):
            key = (m["cat"], m["msg"].strip())
            counts[key] = counts.get(key, 0) + 1
    out: list[str] = []
    seen: set[tuple[str, str]] = set()
    folded = 0
    after_warning = False
    for line in lines:
        m = WARNING.search(line)
        if m is None:
            if after_warning and line[:1].isspace():  # "  warnings.warn(" under the warning
                folded += 1
                after_warning = False
                continue
            after_warning = False
            out.append(line)
            continue
        after_warning = True
        key = (m["cat"], m["msg"].strip())
        if key in seen:
            folded += 1
            continue
        seen.add(key)
        out.append(line + (f"  [×{counts[key]}]" if counts[key] > 1 else ""))
    return Folded(out, folded, len(counts))


def wrap(line: str, width: int) -> list[str]:
    """One log line as screen rows of at most `width` cells; continuation rows indented by 2."""
    line = fmt.printable(line, keep_newlines=False)
    width = max(8, width)
    if len(line) <= width:
        return [line]
    rows = [line[:width]]
    rest = line[width:]
    while rest:
        rows.append("  " + rest[:width - 2])
        rest = rest[width - 2:]
    return rows


def matches(lines: list[str], query: str) -> list[int]:
    """Indices of the lines containing `query`, case-insensitively."""
    q = query.casefold()
    return [i for i, line in enumerate(lines) if q and q in line.casefold()]
