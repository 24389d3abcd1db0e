"""Preference pairs to evaluate: which split file a name means, and reading it with line-precise errors."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from trainer import config as cfgmod

SLICE_KEYS = ("lang", "domain", "source", "bucket")
UNKNOWN = "unknown"
# Named splits that live next to the run's training data (see the dataset builder's splits/<version>/).
NAMED_SPLITS = ("train", "val", "test", "golden")

Message = dict[str, str]


class PairsError(ValueError):
    """A split that cannot be evaluated; the message names the file and line."""


@dataclass(slots=True)
class EvalPair:
    id: str
    prompt: list[Message]
    chosen: list[Message]
    rejected: list[Message]
    meta: dict[str, str]  # lang, domain, source, bucket ("unknown" when the record has none)


def resolve_data_dir(cfg: cfgmod.TrainConfig, run_dir: Path) -> Path:
    """The run's data directory; a relative path is tried against the cwd, then the run dir's ancestors."""
    p = Path(cfg.data.path).expanduser()
    if p.is_absolute():
        return p
    candidates = [Path.cwd() / p, *(anc / p for anc in run_dir.resolve().parents)]
    for cand in candidates:
        if cand.is_dir():
            return cand
    return candidates[0]


def resolve_split(split: str, cfg: cfgmod.TrainConfig, run_dir: Path) -> tuple[str, Path]:
    """(split name for the report, file path) for `test|val|train|golden` or a path to a JSONL file."""
    if split in NAMED_SPLITS:
        data_dir = resolve_data_dir(cfg, run_dir)
        fname = {"train": cfg.data.train_file, "val": cfg.data.eval_file or "val.jsonl"}.get(split, f"{split}.jsonl")
        path = data_dir / fname
        if not path.is_file():
            raise PairsError(f"split {split!r}: {path} does not exist (the run's data.path is {cfg.data.path!r}; "
                             f"build the dataset first, or pass --split PATH)")
        return split, path
    path = Path(split).expanduser()
    if not path.is_file():
        raise PairsError(f"--split {split!r} is neither one of {', '.join(NAMED_SPLITS)} nor an existing file")
    return path.stem, path


def _messages(value: Any, field: str, role: str, where: str) -> list[Message]:
    # Plain strings are accepted as a single message (a prompt as user turn, a response as assistant turn).
    if isinstance(value, str):
        if not value.strip():
            raise PairsError(f"{where}: {field} is empty")
        return [{"role": role, "content": value}]
    if not isinstance(value, list) or not value:
        raise PairsError(f"{where}: {field} must be a non-empty list of messages or a string, got {type(value).__name__}")
    out = []
    for i, m in enumerate(value):
        if not isinstance(m, dict) or not isinstance(m.get("role"), str) or not isinstance(m.get("content"), str):
            raise PairsError(f"{where}: {field}[{i}] must be an object with string role and content")
        out.append({"role": m["role"], "content": m["content"]})
    return out


def parse_record(obj: Any, where: str, default_id: str) -> EvalPair:
    if not isinstance(obj, dict):
        raise PairsError(f"{where}: expected a JSON object, got {type(obj).__name__}")
    for key in ("prompt", "chosen", "rejected"):
        if key not in obj:
            raise PairsError(f"{where}: missing field {key!r}")
    prompt = _messages(obj["prompt"], "prompt", "user", where)
    chosen = _messages(obj["chosen"], "chosen", "assistant", where)
    rejected = _messages(obj["rejected"], "rejected", "assistant", where)
    for key, msgs in (("chosen", chosen), ("rejected", rejected)):
        if msgs[-1]["role"] != "assistant":
            raise PairsError(f"{where}: {key} must end with an assistant message (got role {msgs[-1]['role']!r})")
    meta = {k: str(obj[k]) if obj.get(k) not in (None, "") else UNKNOWN for k in SLICE_KEYS}
    rid = obj.get("id")
    return EvalPair(str(rid) if rid not in (None, "") else default_id, prompt, chosen, rejected, meta)


def _parse_line(line: str, where: str, default_id: str) -> EvalPair:
    try:
        obj = json.loads(line)
    except json.JSONDecodeError as e:
        raise PairsError(f"{where}: not valid JSON ({e.msg}, column {e.colno})") from e
    return parse_record(obj, where, default_id)


def _decode(raw: bytes, where: str) -> str:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        raise PairsError(f"{where}: not UTF-8 text (byte 0x{raw[e.start]:02x} at column {e.start + 1}); "
                         "a split is a JSONL file") from None
    return text


def load_pairs(path: Path, limit: int | None = None) -> list[EvalPair]:
    """Every record of a split JSONL (blank lines skipped); the first bad line stops with file:line."""
    pairs: list[EvalPair] = []
    seen: dict[str, int] = {}
    try:
        # Bytes, decoded per line: a binary or mis-encoded file is an error naming its line, not a traceback.
        with open(path, "rb") as f:
            for lineno, raw in enumerate(f, 1):
                if limit is not None and len(pairs) >= limit:
                    break
                line = _decode(raw, f"{path}:{lineno}")
                if not line.strip():
                    continue
                pair = _parse_line(line, f"{path}:{lineno}", f"{path.stem}:{lineno}")
                if pair.id in seen:
                    raise PairsError(f"{path}:{lineno}: duplicate id {pair.id!r} (first on line {seen[pair.id]})")
                seen[pair.id] = lineno
                pairs.append(pair)
    except OSError as e:
        raise PairsError(f"cannot read {path}: {e.strerror}") from e
    if not pairs:
        raise PairsError(f"{path}: no pairs to evaluate")
    return pairs


@dataclass(frozen=True)
class Target:
    """What one evaluation is about: the run, its config, the checkpoint and split, the report name."""

    run_dir: Path
    cfg: Any
    checkpoint: str
    adapter_dir: Path
    split: str
    split_path: Path
    name: str


def resolve_target(run_dir: Path, checkpoint: str | None, split: str, name: str | None, prefix: str = "") -> Target:
    """The checks every kind of evaluation starts with (run config, checkpoint, split, report name)."""
    import time

    from trainer.evaluation import model
    from trainer.evaluation import report as reportmod

    run_dir = run_dir.resolve()
    cfg = model.load_run_config(run_dir)
    label, adapter_dir = model.resolve_checkpoint(run_dir, checkpoint)
    split_name, split_path = resolve_split(split, cfg, run_dir)
    name = reportmod.check_name(name or f"{prefix}{label}-{split_name}-{time.strftime('%Y%m%d-%H%M%S')}")
    return Target(run_dir, cfg, label, adapter_dir, split_name, split_path, name)
