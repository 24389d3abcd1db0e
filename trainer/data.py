"""Training data: the split JSONL files of a dataset dir, checked line by line, as a datasets.Dataset.

Records are TRL's conversational preference format plus the builder's metadata:
{"id", "prompt": [{"role", "content"}...], "chosen": [...], "rejected": [...], "n_tokens", ...}.
A bad line is an error naming the file and line, never a silent skip.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from trainer import config as cfgmod

KEEP = ("prompt", "chosen", "rejected")


class DataError(ValueError):
    pass


def ensure_dataset(cfg: cfgmod.DataConfig, log: Any = print) -> Path:
    """The dataset dir holding cfg.train_file; built from cfg.recipe first when it is missing."""
    path = Path(cfg.path)
    if (path / cfg.train_file).is_file():
        return path
    if not cfg.recipe:
        raise DataError(f"data.path: {path / cfg.train_file} does not exist and data.recipe is not set")
    recipe = Path(cfg.recipe)
    if not recipe.is_file():
        raise DataError(f"data.recipe: {recipe} does not exist (needed to build missing {path})")
    # A data.path of the builder's shape <root>/<name>/splits/<version> says where the build should land.
    out_root = path.parents[2] if len(path.parts) > 3 and path.parent.name == "splits" else None
    log(f"building dataset {path} from recipe {recipe}")
    from datasets_build import build_from_recipe

    built = Path(build_from_recipe(recipe, out_root))
    for candidate in (path, built, *sorted(built.glob("splits/*"))):
        if (candidate / cfg.train_file).is_file():
            return candidate
    raise DataError(f"data.path: recipe {recipe} built {built}, which holds no {cfg.train_file} "
                    f"(and {path} still does not exist)")


def _check_messages(value: Any, field: str, where: str) -> None:
    if not isinstance(value, list) or not value:
        raise DataError(f"{where}: {field!r} must be a non-empty list of messages")
    for i, m in enumerate(value):
        if not isinstance(m, dict) or not isinstance(m.get("role"), str) or not isinstance(m.get("content"), str):
            raise DataError(f"{where}: {field}[{i}] must be an object with string 'role' and 'content'")


def read_records(file: Path, max_samples: int | None = None) -> list[dict[str, Any]]:
    """Parse and check one split file; raises DataError naming the file and line of the first bad record."""
    if not file.is_file():
        raise DataError(f"{file}: no such file")
    records: list[dict[str, Any]] = []
    with open(file, encoding="utf-8") as f:
        for lineno, line in enumerate(f, 1):
            if not line.strip():
                continue
            where = f"{file}:{lineno}"
            try:
                rec = json.loads(line)
            except json.JSONDecodeError as e:
                raise DataError(f"{where}: not valid JSON ({e.msg})") from None
            if not isinstance(rec, dict):
                raise DataError(f"{where}: expected a JSON object")
            for key in KEEP:
                if key not in rec:
                    raise DataError(f"{where}: missing field {key!r}")
                _check_messages(rec[key], key, where)
            out = {k: rec[k] for k in KEEP}
            n = rec.get("n_tokens")
            out["n_tokens"] = n if isinstance(n, int) and not isinstance(n, bool) else None
            records.append(out)
            if max_samples and len(records) >= max_samples:
                break
    if not records:
        raise DataError(f"{file}: no records")
    return records


def to_dataset(records: list[dict[str, Any]]) -> Any:
    """A datasets.Dataset of prompt/chosen/rejected (+ n_tokens when every record has it)."""
    from datasets import Dataset

    if any(r["n_tokens"] is None for r in records):
        records = [{k: v for k, v in r.items() if k != "n_tokens"} for r in records]
    return Dataset.from_list(records)


def load_split(file: Path, max_samples: int | None = None) -> Any:
    return to_dataset(read_records(file, max_samples))


def token_length(example: dict[str, Any]) -> dict[str, int]:
    """Padded length of a tokenized pair in TRL's collator: prompt + the longer completion."""
    return {"length": len(example["prompt_ids"]) + max(len(example["chosen_ids"]), len(example["rejected_ids"]))}
