"""`alice-tui eval compare A.json B.json`: two reports side by side, with B − A and whether it is significant.

Significance: when both reports kept their per-pair sidecar and scored the same pairs, a paired
bootstrap of B − A on those pairs; with sidecars on different pairs, an unpaired bootstrap; with
no sidecars, a normal approximation from the two reports' own CIs. The method is printed.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np

from trainer.evaluation import report as reportmod
from trainer.evaluation.bootstrap import DEFAULT_RESAMPLES, percentile_ci, resample_means, significant

# (label, path into SLICE, per-pair sidecar column)
METRICS = (("tuned acc", ("tuned", "accuracy"), "tuned_correct"),
           ("base acc", ("base", "accuracy"), "base_correct"),
           ("tuned − base", ("diff",), "diff"),
           ("tuned acc (own log-probs)", ("tuned", "accuracy_logp"), "tuned_logp_correct"))


def _get(s: dict[str, Any], path: tuple[str, ...]) -> dict[str, Any] | None:
    node: Any = s
    for p in path:
        node = node.get(p) if isinstance(node, dict) else None
    return node if isinstance(node, dict) and "value" in node else None


def _select(rows: list[dict[str, Any]], key: str | None, value: str | None) -> dict[str, dict[str, Any]]:
    return {r["id"]: r for r in rows if key is None or str(r.get(key)) == value}


def _ci_of_difference(a_rows: dict[str, dict[str, Any]], b_rows: dict[str, dict[str, Any]], col: str,
                      seed: int) -> tuple[list[float], str]:
    if a_rows.keys() == b_rows.keys():
        ids = sorted(a_rows)
        d = np.array([b_rows[i][col] - a_rows[i][col] for i in ids])
        return list(percentile_ci(resample_means({"d": d}, DEFAULT_RESAMPLES, seed)["d"])), "paired bootstrap"
    a = np.array([r[col] for r in a_rows.values()])
    b = np.array([r[col] for r in b_rows.values()])
    da = resample_means({"x": a}, DEFAULT_RESAMPLES, seed)["x"]
    db = resample_means({"x": b}, DEFAULT_RESAMPLES, seed + 1)["x"]
    return list(percentile_ci(db - da)), "unpaired bootstrap"


def _ci_from_report_cis(ma: dict[str, Any], mb: dict[str, Any]) -> tuple[list[float], str]:
    # Each 95% CI spans about 2 × 1.96 standard errors; independent errors add in quadrature.
    se = math.hypot((ma["ci"][1] - ma["ci"][0]) / 3.92, (mb["ci"][1] - mb["ci"][0]) / 3.92)
    d = mb["value"] - ma["value"]
    return [d - 1.96 * se, d + 1.96 * se], "normal approximation from the reports' CIs"


# A/B reports (kind "ab"): the sidecar has one row per answer pair; compared per prompt (see _ab_rows).
AB_METRICS = (("win rate", ("win_rate",), "score"),
              ("tuned − base (win − loss)", ("diff",), "diff"),
              ("length-controlled win rate", ("lc_win_rate",), "_none"),
              ("position-consistent", ("position_consistency",), "consistent"))


def _ab_rows(rows: list[dict[str, Any]] | None) -> list[dict[str, Any]] | None:
    """Per-prompt rows (mean over its judged samples) from an A/B sidecar, errors left out as in the report."""
    if rows is None:
        return None
    by: dict[str, list[dict[str, Any]]] = {}
    for r in rows:
        if r.get("score") is not None:
            by.setdefault(str(r["id"]), []).append(r)
    out = []
    for pid, rs in by.items():
        score = float(np.mean([r["score"] for r in rs]))
        out.append({"id": pid, "lang": rs[0].get("lang"), "domain": rs[0].get("domain"), "score": score,
                    "diff": 2 * score - 1, "consistent": float(np.mean([bool(r["consistent"]) for r in rs]))})
    return out


def compare(a_path: Path, b_path: Path, seed: int = 1234) -> dict[str, Any]:
    a, b = reportmod.load(a_path), reportmod.load(b_path)
    a_rows, b_rows = reportmod.load_pairs(a, a_path), reportmod.load_pairs(b, b_path)
    ab = a.get("kind") == "ab"
    if ab != (b.get("kind") == "ab"):
        raise ValueError(f"{a_path if ab else b_path} is an A/B report and the other an accuracy report: "
                         "compare reports of one kind")
    metrics = AB_METRICS if ab else METRICS
    if ab:
        a_rows, b_rows = _ab_rows(a_rows), _ab_rows(b_rows)
    groups: list[tuple[str, str | None, str | None, dict[str, Any], dict[str, Any]]] = [
        ("overall", None, None, a["overall"], b["overall"])]
    for key, vals in a["slices"].items():
        for val, sa in vals.items():
            sb = b["slices"].get(key, {}).get(val)
            if sb is not None:
                groups.append((f"{key}={val}", key, val, sa, sb))
    rows = []
    for label, key, val, sa, sb in groups:
        for mlabel, path, col in metrics:
            ma, mb = _get(sa, path), _get(sb, path)
            if ma is None or mb is None:
                continue
            if a_rows is not None and b_rows is not None and col in (a_rows[0] if a_rows else {}):
                ci, method = _ci_of_difference(_select(a_rows, key, val), _select(b_rows, key, val), col, seed)
            else:
                ci, method = _ci_from_report_cis(ma, mb)
            rows.append({"slice": label, "metric": mlabel, "n_a": sa["n"], "n_b": sb["n"], "a": ma["value"],
                         "b": mb["value"], "delta": mb["value"] - ma["value"], "ci": ci,
                         "significant": significant(ci), "method": method})
    same_data = (a.get("manifest_sha256") or a.get("split_sha256")) == (b.get("manifest_sha256") or b.get("split_sha256"))
    warnings = [] if same_data and a.get("split") == b.get("split") else [
        f"the reports were computed on different data ({a.get('split')} vs {b.get('split')}, "
        "different manifest or split hash): differences mix model and data"]
    if ab and a.get("judge", {}).get("label") != b.get("judge", {}).get("label"):
        warnings.append(f"different judges ({a.get('judge', {}).get('label')} vs {b.get('judge', {}).get('label')}): "
                        "differences mix model and judge")
    return {"a": str(a_path), "b": str(b_path), "a_name": a.get("name"), "b_name": b.get("name"),
            "rows": rows, "warnings": warnings}


def format_table(result: dict[str, Any]) -> str:
    head = f"A = {result['a_name']} ({result['a']})\nB = {result['b_name']} ({result['b']})\n"
    cols = ("slice", "metric", "n A/B", "A", "B", "B − A", "95% CI of B − A", "sig")
    body = [(r["slice"], r["metric"], f"{r['n_a']}/{r['n_b']}", f"{100 * r['a']:.1f}%", f"{100 * r['b']:.1f}%",
             f"{100 * r['delta']:+.1f} pp", f"[{100 * r['ci'][0]:+.1f}, {100 * r['ci'][1]:+.1f}]",
             "yes" if r["significant"] else "no") for r in result["rows"]]
    widths = [max(len(c), *(len(row[i]) for row in body)) if body else len(c) for i, c in enumerate(cols)]
    fmt = "  ".join(f"{{:<{w}}}" if i < 2 else f"{{:>{w}}}" for i, w in enumerate(widths))
    lines = [head, fmt.format(*cols), fmt.format(*("-" * w for w in widths))]
    lines += [fmt.format(*row) for row in body]
    methods = sorted({r["method"] for r in result["rows"]})
    lines.append("\nsignificance: " + "; ".join(methods))
    lines += [f"warning: {w}" for w in result["warnings"]]
    return "\n".join(lines)
