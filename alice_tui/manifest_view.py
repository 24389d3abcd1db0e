"""Turn a dataset manifest (nested JSON) into titled tables, flagging language targets that were missed.

Plain module (no Textual). Knows the manifest's main sections (sources, language, totals, pii) and
renders anything else generically, so a new manifest field shows up instead of vanishing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

LANGUAGE_TOLERANCE = 0.05


@dataclass
class TableSpec:
    title: str
    columns: list[str]
    rows: list[list[str]]
    highlight: set[int] = field(default_factory=set)  # rows to mark (a missed target)


def cell(v: Any) -> str:
    if isinstance(v, bool):
        return "yes" if v else "no"
    if isinstance(v, float):
        return f"{v:.3f}" if abs(v) < 1 else f"{v:,.1f}"
    if isinstance(v, int):
        return f"{v:,}"
    if isinstance(v, dict):
        return ", ".join(f"{k}: {cell(x)}" for k, x in v.items()) or "–"
    if isinstance(v, list):
        return ", ".join(cell(x) for x in v) or "–"
    return "–" if v is None else str(v)


def _is_scalar(v: Any) -> bool:
    return not isinstance(v, dict | list)


def _rows_table(title: str, rows: dict[str, dict[str, Any]], first: str) -> TableSpec:
    cols: list[str] = []
    for r in rows.values():
        for k in r:
            if k not in cols:
                cols.append(k)
    return TableSpec(title, [first, *cols], [[name, *(cell(r.get(c)) for c in cols)] for name, r in rows.items()])


def _sources(v: Any) -> TableSpec:
    rows = {str(s.get("name", i)): s for i, s in enumerate(v)} if isinstance(v, list) else v
    # The free-text reasons go last: at 80 columns they are what runs off the edge, not the PII count.
    out = TableSpec("Sources", ["source", "lang", "read", "kept", "dropped", "PII masked", "dropped by reason"], [])
    for name, s in rows.items():
        if not isinstance(s, dict):
            out.rows.append([name, "", cell(s), "", "", "", ""])
            continue
        dropped = s.get("dropped")
        total = sum(x for x in dropped.values() if isinstance(x, int)) if isinstance(dropped, dict) else dropped
        reasons = cell(dropped) if isinstance(dropped, dict) else "–"
        out.rows.append([name, cell(s.get("lang")), cell(s.get("read")), cell(s.get("kept")), cell(total),
                         cell(s.get("pii")), reasons])
    return out


def _share(v: Any) -> float | None:
    return float(v) if isinstance(v, int | float) and not isinstance(v, bool) else None


def _language(v: Any, tolerance: float) -> TableSpec | None:
    """Target vs actual per language, in either shape: {lang: {target, actual}} or {target: {...}, actual: {...}}."""
    if not isinstance(v, dict):
        return None
    tolerance = _share(v.get("tolerance")) or tolerance
    if isinstance(v.get("target"), dict) and isinstance(v.get("actual"), dict):
        langs = list(dict.fromkeys([*v["target"], *v["actual"]]))
        pairs = {lang: {"target": v["target"].get(lang), "actual": v["actual"].get(lang)} for lang in langs}
    elif all(isinstance(x, dict) for x in v.values()):
        pairs = v
    else:
        return None
    out = TableSpec("Language: target vs actual", ["lang", "target", "actual", "Δ", ""], [])
    for i, (lang, r) in enumerate(pairs.items()):
        t, a = _share(r.get("target")), _share(r.get("actual", r.get("share")))
        miss = r.get("miss") if isinstance(r.get("miss"), bool) else (
            t is not None and a is not None and abs(a - t) > tolerance)
        delta = f"{a - t:+.3f}" if t is not None and a is not None else "–"
        out.rows.append([lang, cell(t), cell(a), delta, "MISS" if miss else "ok"])
        if miss:
            out.highlight.add(i)
    return out


TITLES = {"by_lang": "Records by language", "by_domain": "Records by domain", "by_bucket": "Records by length bucket",
          "by_quality": "Records by quality", "by_source": "Records by source", "by_split": "Records by split",
          "pii": "PII masked, by kind"}


def manifest_tables(m: dict[str, Any]) -> list[TableSpec]:
    tables: list[TableSpec] = []
    summary = TableSpec("Summary", ["field", "value"], [])
    tolerance = _share(m.get("language_tolerance")) or LANGUAGE_TOLERANCE
    for key, v in m.items():
        if _is_scalar(v):
            summary.rows.append([key, cell(v)])
        elif key in ("sources", "per_source"):
            tables.append(_sources(v))
        elif key in ("language", "languages", "language_mix") and (lt := _language(v, tolerance)):
            tables.append(lt)
        elif key in ("totals", "by") and isinstance(v, dict):
            for name, counts in v.items():
                if _is_scalar(counts):
                    summary.rows.append([f"{key}.{name}", cell(counts)])
                else:
                    tables.extend(_generic(TITLES.get(name, f"{key}: {name}"), counts))
        else:
            tables.extend(_generic(TITLES.get(key, key), v))
    return ([summary] if summary.rows else []) + tables


def _generic(title: str, v: Any) -> list[TableSpec]:
    if isinstance(v, dict):
        if all(_is_scalar(x) for x in v.values()):
            return [TableSpec(title, ["key", "value"], [[str(k), cell(x)] for k, x in v.items()])]
        if all(isinstance(x, dict) for x in v.values()):
            return [_rows_table(title, {str(k): x for k, x in v.items()}, "name")]
        return [TableSpec(title, ["key", "value"], [[str(k), cell(x)] for k, x in v.items()])]
    if isinstance(v, list) and v and all(isinstance(x, dict) for x in v):
        return [_rows_table(title, {str(x.get("name", i)): x for i, x in enumerate(v)}, "#")]
    return [TableSpec(title, ["value"], [[cell(v)]])]
