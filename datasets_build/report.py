"""The manifest a build writes, and the plain-text tables `build` and `stats` print."""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict
from typing import TYPE_CHECKING, Any

from datasets_build import lint
from datasets_build.splits import SPLITS

if TYPE_CHECKING:
    from datasets_build.pipeline import SourceRun
    from datasets_build.recipe import Recipe
    from datasets_build.splits import SplitResult

_COMMON = {"name", "type", "lang", "domain", "quality"}


def _shares(counts: dict[str, int]) -> dict[str, float]:
    total = sum(counts.values())
    return {k: round(v / total, 4) for k, v in sorted(counts.items())} if total else {}


def build_manifest(recipe: Recipe, runs: dict[str, SourceRun], result: SplitResult, files: dict[str, Any],
                   split_time: float, total_time: float) -> dict[str, Any]:
    records = [r for recs in result.splits.values() for r in recs]
    by = {key: Counter(str(getattr(r, key)) for r in records) for key in ("lang", "domain", "bucket", "quality",
                                                                          "source")}
    pii: Counter[str] = Counter()
    sources: dict[str, Any] = {}
    for name, run in runs.items():
        pii.update(run.pii)
        dropped = dict(sorted(run.dropped.items()))
        sources[name] = {
            "type": run.spec["type"], "lang": run.spec["lang"], "domain": run.spec["domain"],
            "quality": run.spec["quality"],
            "options": {k: v for k, v in sorted(run.spec.items()) if k not in _COMMON},
            "read": run.read, "kept": len(run.kept), "dropped": dropped,
            "language_mismatch": run.lang_mismatch, "pii": dict(sorted(run.pii.items())),
        }
        if run.repaired:
            sources[name]["repaired"] = dict(sorted(run.repaired.items()))
        if run.warnings:
            sources[name]["warnings"] = list(run.warnings)
        if run.stats:
            sources[name]["run_stats"] = dict(sorted(run.stats.items()))
        if run.read != len(run.kept) + sum(dropped.values()):
            raise RuntimeError(f"source {name}: read {run.read} != kept {len(run.kept)} + dropped {dropped}")
    actual = _shares(dict(by["lang"]))
    target = dict(sorted(recipe.language_target.items()))
    langs = sorted(set(target) | set(actual))
    delta = {k: round(actual.get(k, 0.0) - target.get(k, 0.0), 4) for k in langs} if target else {}
    within = all(abs(d) <= recipe.language_tolerance for d in delta.values()) if target else None
    manifest: dict[str, Any] = {
        "schema": 1,
        "name": recipe.name,
        "version": recipe.version,
        "description": recipe.description,
        "recipe": {
            "path": recipe.path, "sha256": recipe.sha256, "seed": recipe.seed, "on_error": recipe.on_error,
            "tokenizer": recipe.tokenizer, "max_tokens": recipe.max_tokens, "min_quality": recipe.min_quality,
            "dedup": recipe.dedup, "dedup_prefix_chars": recipe.dedup_prefix_chars, "buckets": recipe.buckets,
            "languages": recipe.languages, "drop_language_mismatch": recipe.drop_language_mismatch,
            "pii": asdict(recipe.pii), "splits": asdict(recipe.splits),
        },
        "sources": sources,
        "totals": {
            "records": len(records),
            **{f"by_{k}": dict(sorted(v.items())) for k, v in by.items()},
            "by_split": {s: len(result.splits[s]) for s in SPLITS},
        },
        "pii": dict(sorted(pii.items())),
        "language": {"target": target, "actual": actual, "delta": delta, "tolerance": recipe.language_tolerance,
                     "within_tolerance": within},
        "golden": {"n": len(result.splits["golden"]), "by_stratum": result.golden_strata,
                   "contamination": result.contamination,
                   **({"frozen": result.frozen} if result.frozen else {})},
        "files": files,
        "timings_s": {"total": round(total_time, 3), "splits": round(split_time, 3),
                      "sources": {n: {k: round(v, 3) for k, v in run.timings.items()} for n, run in runs.items()}},
    }
    return manifest


def _table(headers: list[str], rows: list[list[Any]]) -> str:
    cells = [[str(c) for c in row] for row in [headers, *rows]]
    widths = [max(len(r[i]) for r in cells) for i in range(len(headers))]
    lines = ["  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(r, widths, strict=True)))
             for r in cells]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def summary(manifest: dict[str, Any]) -> str:
    """The manifest as plain-text tables (sources, splits, languages, buckets, PII)."""
    out = [f"dataset {manifest['name']} (version {manifest['version']}), recipe sha256 "
           f"{manifest['recipe']['sha256'][:12]}"]
    rows = []
    for name, s in manifest["sources"].items():
        drops = ", ".join(f"{k}={v}" for k, v in s["dropped"].items()) or "-"
        rows.append([name, s["type"], s["lang"], s["read"], s["kept"], drops])
    out += ["", _table(["source", "type", "lang", "read", "kept", "dropped (reason=n)"], rows)]
    for name, s in manifest["sources"].items():
        out += [f"WARNING: source {name}: {w}" for w in s.get("warnings", [])]
        out += [f"source {name}: kept {n} pair(s) after repairing {k}" for k, n in s.get("repaired", {}).items()]
    t = manifest["totals"]
    out += ["", _table(["split", "pairs"], [[k, v] for k, v in t["by_split"].items()] + [["total", t["records"]]])]
    lang = manifest["language"]
    lrows = [[k, f"{lang['target'].get(k, 0):.1%}" if lang["target"] else "-", f"{v:.1%}",
              f"{lang['delta'].get(k, 0) + 0.0:+.1%}".replace("-0.0%", "+0.0%") if lang["delta"] else "-"]
             for k, v in lang["actual"].items()]
    out += ["", _table(["language", "target", "actual", "delta"], lrows)]
    if lang["within_tolerance"] is False:
        out.append(f"WARNING: language mix misses the target by more than {lang['tolerance']:.0%}")
    out += ["", _table(["bucket", "pairs"], [[k, v] for k, v in t["by_bucket"].items()]),
            "", _table(["domain", "pairs"], [[k, v] for k, v in t["by_domain"].items()])]
    if manifest["pii"]:
        out += ["", _table(["pii kind", "masked"], [[k, v] for k, v in manifest["pii"].items()])]
    nd = manifest.get("near_dup") or {}
    if nd.get("enabled"):
        cross = nd["cross_split"]
        out += ["", f"near-duplicates (Jaccard >= {nd['threshold']} on word {nd['ngram']}-grams): "
                    f"{nd['removed']} removed in {nd['clusters']} clusters"
                    + (f" ({', '.join(f'{k}={v}' for k, v in nd['by_source'].items())})" if nd["by_source"] else "")
                    + f"; evaluation pairs with a near-twin in train: {cross['found']} found, "
                      f"{cross['removed_from_train']} train pairs removed, {cross['after']} left"]
    out += lint.summary_lines(manifest.get("lint") or {})
    cont = manifest["golden"]["contamination"]
    out += ["", f"golden: {manifest['golden']['n']} pairs; removed from other splits as contaminated: "
                f"{sum(cont.get('removed', {}).values())}"]
    return "\n".join(out)
