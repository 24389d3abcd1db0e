"""A small braille line chart (2×4 dots per cell) with y labels, x range and a legend, as Rich Text.

Plain module (no Textual). plotext (via textual-plotext) took 30–70 ms per redraw of the Run pane's
two charts on a laptop core, which alone broke the console's 5% CPU budget at one step a second;
this draws the same lines in about a millisecond.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from rich.text import Text

BITS = ((0x01, 0x08), (0x02, 0x10), (0x04, 0x20), (0x40, 0x80))  # [row][col] of a braille cell
Y_LABEL_W = 7


@dataclass(frozen=True)
class Line:
    label: str
    xs: Sequence[float]
    ys: Sequence[float]
    style: str
    behind: bool = False  # drawn first, so where lines cross the others' dots win (a compared run's curve)


def _label(v: float) -> str:
    if v == 0:
        return "0"
    if abs(v) >= 1000 or abs(v) < 0.01:
        return f"{v:.1e}"
    return f"{v:.3g}" if abs(v) < 10 else f"{v:.4g}"


def _thin(xs: Sequence[float], ys: Sequence[float], limit: int) -> tuple[Sequence[float], Sequence[float]]:
    n = len(xs)
    if n <= limit:
        return xs, ys
    k = math.ceil(n / limit)
    txs, tys = list(xs[::k]), list(ys[::k])
    if txs[-1] != xs[-1]:
        txs.append(xs[-1])
        tys.append(ys[-1])
    return txs, tys


def render(lines: Sequence[Line], width: int, height: int, title: str, x_label: str = "step") -> Text:
    """The chart in `width`×`height` cells: a title+legend row, the plot, and an x-axis row."""
    width, height = max(width, Y_LABEL_W + 6), max(height, 4)
    rows, cols = height - 2, width - Y_LABEL_W - 1
    head = Text(f" {title}", style="bold")
    live = [ln for ln in lines if len(ln.xs)]
    for ln in live:
        head.append("  ")
        head.append("━", style=ln.style)
        head.append(f" {ln.label}")
    finite = [y for ln in live for y in ln.ys if math.isfinite(y)]
    if not finite:
        head.truncate(width)
        body = Text("\n" * (rows // 2) + " " * (width // 2 - 6) + "no data yet", style="dim")
        return _no_wrap(Text("\n").join([head, body]))
    y0, y1 = min(finite), max(finite)
    if y1 - y0 < 1e-12:
        y0, y1 = y0 - 1.0, y1 + 1.0
    pad = (y1 - y0) * 0.04
    y0, y1 = y0 - pad, y1 + pad
    x0 = min(ln.xs[0] for ln in live)
    x1 = max(ln.xs[-1] for ln in live)
    xspan = (x1 - x0) or 1.0
    dots_w, dots_h = cols * 2, rows * 4
    bits = [[0] * cols for _ in range(rows)]
    owner: list[list[str | None]] = [[None] * cols for _ in range(rows)]

    def dot(px: int, py: int, style: str) -> None:
        if 0 <= px < dots_w and 0 <= py < dots_h:
            r, c = py // 4, px // 2
            bits[r][c] |= BITS[py % 4][px % 2]
            owner[r][c] = style

    for ln in sorted(live, key=lambda ln: not ln.behind):
        xs, ys = _thin(ln.xs, ln.ys, dots_w)
        prev: tuple[int, int] | None = None
        for x, y in zip(xs, ys, strict=False):
            if not math.isfinite(y):
                prev = None
                continue
            px = round((x - x0) / xspan * (dots_w - 1))
            py = round((y1 - y) / (y1 - y0) * (dots_h - 1))
            if prev is None:
                dot(px, py, ln.style)
            else:
                steps = max(abs(px - prev[0]), abs(py - prev[1]), 1)
                for i in range(1, steps + 1):
                    dot(prev[0] + (px - prev[0]) * i // steps, prev[1] + (py - prev[1]) * i // steps, ln.style)
            prev = (px, py)

    label_rows = {0: y1, rows - 1: y0, (rows - 1) // 2: (y0 + y1) / 2}
    head.truncate(width)
    out = [head]
    for r in range(rows):
        line = Text()
        if r in label_rows:
            line.append(_label(label_rows[r]).rjust(Y_LABEL_W), style="dim")
            line.append("┤", style="dim")
        else:
            line.append(" " * Y_LABEL_W + "│", style="dim")
        # One span per run of same-styled cells keeps the Text small.
        run: list[str] = []
        run_style = owner[r][0]
        for c in range(cols):
            b = bits[r][c]
            style = owner[r][c] if b else run_style
            if style != run_style:
                line.append("".join(run), style=run_style or "")
                run, run_style = [], style
            run.append(chr(0x2800 + b) if b else " ")
        line.append("".join(run), style=run_style or "")
        out.append(line)
    left, right = _label(x0), _label(x1)
    mid = x_label.center(max(0, cols - len(left) - len(right)))
    out.append(Text(" " * (Y_LABEL_W + 1) + left + mid + right, style="dim"))
    return _no_wrap(Text("\n").join(out))


def _no_wrap(text: Text) -> Text:
    text.no_wrap = True
    text.overflow = "crop"
    return text
