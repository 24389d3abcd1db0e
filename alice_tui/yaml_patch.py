"""Save a config by rewriting only the values that changed, so the file's comments and order survive.

Plain module (no Textual). Handles the block-mapping YAML our configs use; anything it cannot
place safely (a key missing from the file, flow mappings) makes it fall back to a full dump.
"""

from __future__ import annotations

import re
from typing import Any

import yaml

_LINE = re.compile(r"^(?P<indent>\s*)(?P<key>[A-Za-z_][\w\-]*):(?P<rest>.*)$")


def _scalar(value: Any) -> str:
    if isinstance(value, list):
        return "[" + ", ".join(_scalar(v) for v in value) + "]"
    text = yaml.safe_dump(value, default_flow_style=True, width=10**6).strip()
    return text.removesuffix("\n...").removesuffix("...").strip()


def _split_comment(rest: str) -> tuple[str, str]:
    """Value text and trailing comment of `rest` (a # inside quotes is not a comment)."""
    quote = None
    for i, ch in enumerate(rest):
        if ch in "'\"" and quote in (None, ch):
            quote = None if quote == ch else ch
        elif ch == "#" and quote is None and (i == 0 or rest[i - 1].isspace()):
            return rest[:i].rstrip(), rest[i:]
    return rest.rstrip(), ""


def patch(text: str, changes: dict[str, Any]) -> str | None:
    """`text` with each dotted path in `changes` set to its new value; None when a path is not found."""
    lines = text.splitlines(keepends=True)
    stack: list[tuple[int, str]] = []  # (indent, key) of the open sections
    where: dict[str, int] = {}
    for i, line in enumerate(lines):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        m = _LINE.match(line.rstrip("\n"))
        if not m:
            continue
        indent = len(m["indent"])
        while stack and stack[-1][0] >= indent:
            stack.pop()
        path = ".".join([k for _, k in stack] + [m["key"]])
        where[path] = i
        value, _ = _split_comment(m["rest"])
        if not value.strip():
            stack.append((indent, m["key"]))
    for path in changes:
        if path not in where:
            return None
    for path, new in changes.items():
        i = where[path]
        line = lines[i]
        end = "\n" if line.endswith("\n") else ""
        m = _LINE.match(line.rstrip("\n"))
        assert m is not None
        value, comment = _split_comment(m["rest"])
        if not value.strip():
            return None  # a section or a block list: not a scalar we can rewrite in place
        sep = "  " if comment else ""
        lines[i] = f"{m['indent']}{m['key']}: {_scalar(new)}{sep}{comment}{end}"
    out = "".join(lines)
    return out
