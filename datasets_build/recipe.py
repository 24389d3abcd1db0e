"""The dataset recipe (YAML): typed, checked on load, every problem reported with its field path."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from datasets_build import sources, speaker_markers
from datasets_build.records import DataError

ON_ERROR = ("fail", "skip")


@dataclass
class PiiSettings:
    enabled: bool = True
    kinds: list[str] = field(default_factory=lambda: ["personnummer", "email", "phone", "case_id"])
    case_id_patterns: list[str] | None = None  # None: the built-in defaults
    case_id_context: bool = True  # also IDs that a case/ticket/reference word introduces (case_ids.py)
    phone_regions: list[str] = field(default_factory=lambda: ["SE", "GB"])


@dataclass
class SplitSettings:
    val: float = 0.05
    test: float = 0.05
    golden: int = 200
    seed: int = 0
    golden_from: str | None = None  # an earlier golden.jsonl whose pairs stay golden (frozen)


@dataclass
class NearDupSettings:
    enabled: bool = True  # signatures, and the check that no evaluation pair has a near-twin in train
    drop: bool = True  # also drop near-duplicates within the pool (first occurrence wins, across sources)
    threshold: float = 0.8  # estimated Jaccard similarity of word n-grams of prompt + chosen
    ngram: int = 5
    num_perm: int = 128
    bands: int = 21


@dataclass
class LintSettings:
    truncate_at: int | None = None  # the trainer's max_length; None: max_tokens
    chosen_longer: list[float] = field(default_factory=lambda: [0.35, 0.65])  # band, per source and language
    trivial_difference: float = 0.0  # the highest share of pairs each check may reach without a warning
    both_refusals: float = 0.02
    prompt_ends_with_assistant: float = 0.0
    truncated: float = 0.0


@dataclass
class Recipe:
    name: str
    version: str
    sources: list[dict[str, Any]]
    description: str = ""
    seed: int = 0
    on_error: str = "fail"
    tokenizer: str = "builtin:tiny-qwen2"
    workers: int = 1
    languages: list[str] = field(default_factory=lambda: ["en", "sv"])
    language_target: dict[str, float] = field(default_factory=dict)
    language_tolerance: float = 0.05
    drop_language_mismatch: bool = True
    max_tokens: int = 2048
    buckets: dict[str, int] = field(default_factory=lambda: {"S": 256, "M": 512})
    min_quality: int = 0
    dedup: bool = True
    dedup_prefix_chars: int = 400
    pii: PiiSettings = field(default_factory=PiiSettings)
    splits: SplitSettings = field(default_factory=SplitSettings)
    near_dup: NearDupSettings = field(default_factory=NearDupSettings)
    lint: LintSettings = field(default_factory=LintSettings)
    path: str = ""
    sha256: str = ""


_TOP = {"name": str, "version": str, "sources": list, "description": str, "seed": int, "on_error": str,
        "tokenizer": str, "workers": int, "languages": list, "language_target": dict, "language_tolerance": float,
        "drop_language_mismatch": bool, "max_tokens": int, "buckets": dict, "min_quality": int, "dedup": bool,
        "dedup_prefix_chars": int, "pii": dict, "splits": dict, "near_dup": dict, "lint": dict}
_PII = {"enabled": bool, "kinds": list, "case_id_patterns": (list, type(None)), "case_id_context": bool,
        "phone_regions": list}
_NEAR_DUP = {"enabled": bool, "drop": bool, "threshold": float, "ngram": int, "num_perm": int, "bands": int}
_LINT = {"truncate_at": (int, type(None)), "chosen_longer": list, "trivial_difference": float, "both_refusals": float,
         "prompt_ends_with_assistant": float, "truncated": float}
_SPLITS = {"val": float, "test": float, "golden": int, "seed": int, "golden_from": (str, type(None))}


def _type_ok(value: Any, typ: Any) -> bool:
    types = typ if isinstance(typ, tuple) else (typ,)
    if isinstance(value, bool) and bool not in types:
        return False  # YAML `yes` must not pass for a number
    if float in types and isinstance(value, int) and not isinstance(value, bool):
        return True
    return isinstance(value, types)


def _check_section(data: Any, schema: dict[str, Any], prefix: str, errors: list[str]) -> dict[str, Any]:
    if not isinstance(data, dict):
        errors.append(f"{prefix or '<root>'}: expected a mapping, got {type(data).__name__}")
        return {}
    out = {}
    for key, value in data.items():
        path = f"{prefix}{key}"
        if key not in schema:
            errors.append(f"{path}: unknown key (known: {', '.join(sorted(schema))})")
        elif not _type_ok(value, schema[key]):
            want = schema[key] if not isinstance(schema[key], tuple) else schema[key][0]
            errors.append(f"{path}: expected {want.__name__}, got {type(value).__name__}")
        else:
            out[key] = value
    return out


def _check_source(i: int, src: Any, errors: list[str], names: set[str]) -> dict[str, Any] | None:
    prefix = f"sources[{i}]."
    if not isinstance(src, dict):
        errors.append(f"sources[{i}]: expected a mapping, got {type(src).__name__}")
        return None
    stype = src.get("type")
    if not isinstance(stype, str):
        errors.append(f"{prefix}type: required (one of {', '.join(sources.available())})")
        return None
    try:
        module = sources.load(stype)
    except ValueError as e:
        errors.append(f"{prefix}type: {e}")
        return None
    schema = {**sources.COMMON_OPTIONS, **module.OPTIONS}
    before = len(errors)
    checked = _check_section(src, schema, prefix, errors)
    if len(errors) > before:
        return None
    opts = {**module.DEFAULTS, **checked}
    opts.setdefault("name", stype)
    if opts["name"] in names:
        errors.append(f"{prefix}name: duplicate source name {opts['name']!r} (give each source its own `name`)")
    names.add(opts["name"])
    if opts.get("on_error") not in (None, *ON_ERROR):
        errors.append(f"{prefix}on_error: must be one of {ON_ERROR}")
    if "limit" in opts and opts["limit"] < 0:
        errors.append(f"{prefix}limit: must be >= 0")
    if "max_line_bytes" in opts and opts["max_line_bytes"] < 1:
        errors.append(f"{prefix}max_line_bytes: must be >= 1")
    if "speaker_markers" in opts and opts["speaker_markers"] not in speaker_markers.MODES:
        errors.append(f"{prefix}speaker_markers: must be one of {speaker_markers.MODES}")
    return opts


def from_dict(data: Any, path: str = "", text: str = "") -> Recipe:
    errors: list[str] = []
    top = _check_section(data, _TOP, "", errors)
    for key in ("name", "version", "sources"):
        if key not in top and not any(e.startswith(f"{key}:") for e in errors):
            errors.append(f"{key}: required")
    names: set[str] = set()
    checked_sources = [_check_source(i, s, errors, names) for i, s in enumerate(top.get("sources", []))]
    srcs = [s for s in checked_sources if s is not None]
    if "sources" in top and not top["sources"]:
        errors.append("sources: at least one source is needed")
    pii = PiiSettings(**_check_section(top.pop("pii", {}), _PII, "pii.", errors))
    splits = SplitSettings(**_check_section(top.pop("splits", {}), _SPLITS, "splits.", errors))
    near_dup = NearDupSettings(**_check_section(top.pop("near_dup", {}), _NEAR_DUP, "near_dup.", errors))
    lint = LintSettings(**_check_section(top.pop("lint", {}), _LINT, "lint.", errors))
    top.pop("sources", None)
    name, version = top.pop("name", ""), top.pop("version", "")
    recipe = Recipe(name=name, version=version, sources=srcs, pii=pii, splits=splits, near_dup=near_dup, lint=lint,
                    path=path,
                    sha256=hashlib.sha256(text.encode()).hexdigest(), **top)
    _check_values(recipe, errors)
    if errors:
        raise DataError(f"recipe {path or '<dict>'} has {len(errors)} problem(s):\n  " + "\n  ".join(errors))
    return recipe


def _check_values(r: Recipe, errors: list[str]) -> None:
    for key in ("name", "version"):
        value = getattr(r, key)
        if value and (value.startswith(".") or "/" in value or "\\" in value):
            errors.append(f"{key}: {value!r} must be a plain directory name")
    if r.on_error not in ON_ERROR:
        errors.append(f"on_error: must be one of {ON_ERROR}, got {r.on_error!r}")
    if r.workers < 1:
        errors.append("workers: must be >= 1")
    if r.max_tokens < 1:
        errors.append("max_tokens: must be >= 1")
    if set(r.buckets) != {"S", "M"} or not all(isinstance(v, int) for v in r.buckets.values()):
        errors.append("buckets: give integer token thresholds for S and M, e.g. {S: 256, M: 512}")
    elif not 0 < r.buckets["S"] < r.buckets["M"]:
        errors.append("buckets: need 0 < S < M")
    if r.language_target:
        bad = set(r.language_target) - set(r.languages)
        if bad:
            errors.append(f"language_target: {sorted(bad)} not in languages {r.languages}")
        total = sum(r.language_target.values())
        if abs(total - 1.0) > 1e-6:
            errors.append(f"language_target: shares must sum to 1, got {total:g}")
    s = r.splits
    if not (0 <= s.val < 1 and 0 <= s.test < 1 and s.val + s.test < 1):
        errors.append("splits: val and test are fractions in [0, 1) with val + test < 1")
    if s.golden < 0:
        errors.append("splits.golden: must be >= 0")
    nd = r.near_dup
    if not 0 < nd.threshold <= 1:
        errors.append(f"near_dup.threshold: must be in (0, 1], got {nd.threshold}")
    if nd.ngram < 1:
        errors.append("near_dup.ngram: must be >= 1")
    if not 16 <= nd.num_perm <= 1024 or nd.num_perm & (nd.num_perm - 1):
        errors.append(f"near_dup.num_perm: must be a power of two from 16 to 1024, got {nd.num_perm}")
    elif not 1 <= nd.bands <= nd.num_perm:
        errors.append(f"near_dup.bands: must be from 1 to num_perm ({nd.num_perm}), got {nd.bands}")
    band = r.lint.chosen_longer
    if len(band) != 2 or not all(_type_ok(x, float) for x in band) or not 0 <= band[0] <= band[1] <= 1:
        errors.append(f"lint.chosen_longer: give a band [low, high] of shares in [0, 1], got {band!r}")
    for key in ("trivial_difference", "both_refusals", "prompt_ends_with_assistant", "truncated"):
        if not 0 <= getattr(r.lint, key) <= 1:
            errors.append(f"lint.{key}: must be a share in [0, 1]")
    if r.lint.truncate_at is not None and r.lint.truncate_at < 1:
        errors.append("lint.truncate_at: must be >= 1")
    from datasets_build.pii import KINDS

    if set(r.pii.kinds) - set(KINDS):
        errors.append(f"pii.kinds: unknown {sorted(set(r.pii.kinds) - set(KINDS))} (choose from {list(KINDS)})")
    if r.pii.case_id_patterns is not None:
        import re

        for i, p in enumerate(r.pii.case_id_patterns):
            try:
                re.compile(p)
            except (re.error, TypeError) as e:
                errors.append(f"pii.case_id_patterns[{i}]: invalid regex {p!r}: {e}")


def load(path: str | Path) -> Recipe:
    """Read and check a recipe file; DataError lists every problem with its field path."""
    import yaml

    p = Path(path)
    if not p.is_file():
        raise DataError(f"recipe not found: {p}")
    text = p.read_text(encoding="utf-8")
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as e:
        raise DataError(f"recipe {p}: not valid YAML: {e}") from e
    return from_dict(data, str(p), text)
