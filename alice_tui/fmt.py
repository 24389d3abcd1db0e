"""Plain formatting of durations, sizes, rates and ages for the console (no Textual)."""

from __future__ import annotations

import math


def duration(seconds: float | None) -> str:
    """Compact h/m/s like btop: 45s, 3m05s, 2h07m, 3d04h."""
    if seconds is None or not math.isfinite(seconds) or seconds < 0:
        return "–"
    s = round(seconds)
    if s < 60:
        return f"{s}s"
    m, s = divmod(s, 60)
    if m < 60:
        return f"{m}m{s:02d}s"
    h, m = divmod(m, 60)
    if h < 48:
        return f"{h}h{m:02d}m"
    d, h = divmod(h, 24)
    return f"{d}d{h:02d}h"


def age(t: float | None, now: float) -> str:
    """How long ago, as in `ls -l` columns of lazygit: 12s, 4m, 3h, 2d."""
    if t is None:
        return "–"
    s = max(0.0, now - t)
    if s < 60:
        return f"{int(s)}s ago"
    if s < 3600:
        return f"{int(s // 60)}m ago"
    if s < 172800:
        return f"{int(s // 3600)}h ago"
    return f"{int(s // 86400)}d ago"


def size(n: float | None) -> str:
    if n is None:
        return "–"
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if abs(n) < 1024 or unit == "TiB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} TiB"


def number(x: float | None, digits: int = 4) -> str:
    """Loss-like values: fixed digits, scientific when tiny, a dash when absent or not finite."""
    if x is None or (isinstance(x, float) and not math.isfinite(x)):
        return "–"
    if x != 0 and abs(x) < 10 ** -(digits - 1):
        return f"{x:.2e}"
    return f"{x:.{digits}f}"


def rate(x: float | None, unit: str = "tok/s") -> str:
    if x is None:
        return "–"
    if x >= 10_000:
        return f"{x / 1000:.1f}k {unit}"
    return f"{x:.0f} {unit}" if x >= 100 else f"{x:.1f} {unit}"


def percent(x: float | None) -> str:
    return "–" if x is None else f"{x:.0f}%"


def step_fraction(step: int, max_steps: int | None) -> str:
    return f"{step}/{max_steps}" if max_steps else f"{step}/?"


SPARK = "▁▂▃▄▅▆▇█"


def sparkline(values: list[float], width: int, lo: float | None = None, hi: float | None = None) -> str:
    """The last `width` values as block characters; a flat series sits at the bottom."""
    vals = [v for v in values[-width:] if v is not None and math.isfinite(v)]
    if not vals:
        return ""
    lo = min(vals) if lo is None else lo
    hi = max(vals) if hi is None else hi
    span = hi - lo
    out = []
    for v in vals:
        frac = 0.0 if span <= 0 else (min(max(v, lo), hi) - lo) / span
        out.append(SPARK[min(len(SPARK) - 1, int(frac * (len(SPARK) - 1) + 0.5))])
    return "".join(out)


def bar(frac: float, width: int) -> str:
    """A text gauge: ████▌····· with eighth-block resolution."""
    frac = min(max(frac, 0.0), 1.0)
    cells = frac * width
    full = int(cells)
    part = "▏▎▍▌▋▊▉"[int((cells - full) * 7) - 1] if full < width and int((cells - full) * 7) > 0 else ""
    return ("█" * full + part).ljust(width, "·")


def printable(text: str, keep_newlines: bool = True) -> str:
    """Control characters shown as escapes (\\x1b, \\r, \\t…), so a generation or log line cannot move the
    cursor or hide text; newlines kept unless asked."""
    out = []
    for ch in text:
        if ch == "\n" and keep_newlines:
            out.append(ch)
        elif ch < " " or "\x7f" <= ch <= "\x9f":
            out.append({"\t": "\\t", "\r": "\\r", "\n": "\\n"}.get(ch, f"\\x{ord(ch):02x}"))
        else:
            out.append(ch)
    return "".join(out)


def blank_note(text: str) -> str | None:
    """`(empty)` or `(only whitespace: N newlines…)` for a text that would draw as nothing, else None."""
    if text == "":
        return "(empty)"
    if text.strip():
        return None
    kinds = [f"{text.count(c)} {name}" for c, name in (("\n", "newlines"), (" ", "spaces"), ("\t", "tabs"))
             if text.count(c)]
    return f"(only whitespace: {', '.join(kinds) or f'{len(text)} characters'})"
