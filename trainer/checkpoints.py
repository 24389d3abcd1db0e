"""Checkpoint completeness: the COMPLETE marker written last, and pruning that never keeps a torn checkpoint."""

from __future__ import annotations

import json
import os
import shutil
import time
from pathlib import Path

from trainer import rundir


def mark_complete(ckpt: Path, step: int) -> None:
    """Write and fsync COMPLETE last: a checkpoint without it was torn by a crash and is never resumed from."""
    marker = ckpt / rundir.COMPLETE
    with open(marker, "w") as f:
        json.dump({"step": step, "t": round(time.time(), 3)}, f)
        f.flush()
        os.fsync(f.fileno())
    for d in (ckpt, ckpt.parent):
        fd = os.open(d, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def prune_checkpoints(run_dir: Path, keep: int | None) -> list[Path]:
    """Keep the newest `keep` complete checkpoints; also drop torn ones older than the newest complete one."""
    complete = rundir.checkpoints(run_dir)
    removed: list[Path] = []
    if not complete:
        return removed
    newest = complete[-1][0]
    doomed = [p for _, p in complete[:-keep]] if keep else []
    doomed += [p for s, p in rundir.checkpoints(run_dir, complete_only=False)
               if s < newest and not (p / rundir.COMPLETE).exists()]
    for p in doomed:
        # Drop the marker first, so a crash halfway through leaves a torn (ignored) dir, never a bad "complete" one.
        try:
            (p / rundir.COMPLETE).unlink()
        except FileNotFoundError:
            pass
        shutil.rmtree(p, ignore_errors=True)
        removed.append(p)
    return removed


def step_of(ckpt: Path) -> int:
    return int(ckpt.name.split("-")[1])


def safetensors_problem(path: Path) -> str | None:
    """Why a .safetensors file cannot be loaded, from its header alone (no torch), or None if it looks whole.

    The format is an 8-byte little-endian header size, a JSON header with each tensor's byte range,
    then the data: a torn or overwritten file fails one of these checks long before a load would.
    """
    try:
        size = path.stat().st_size
        with open(path, "rb") as f:
            head = f.read(8)
            if len(head) < 8:
                return f"{size} bytes, too short for a safetensors header"
            n = int.from_bytes(head, "little")
            if n <= 0 or 8 + n > size:
                return f"header size {n} does not fit in the file ({size} bytes)"
            header = json.loads(f.read(n).decode("utf-8"))
    except OSError as e:
        return f"cannot read it: {e.strerror}"
    except (UnicodeDecodeError, ValueError):
        return "its header is not valid JSON"
    if not isinstance(header, dict):
        return "its header is not a JSON object"
    ends = [v.get("data_offsets", [0, 0])[1] for k, v in header.items() if k != "__metadata__" and isinstance(v, dict)]
    if not ends:
        return "it holds no tensors"
    if 8 + n + max(ends) != size:
        return f"its tensors need {8 + n + max(ends)} bytes but the file has {size} (truncated or overwritten)"
    return None


class CorruptCheckpoint(ValueError):
    """A checkpoint marked COMPLETE whose weights cannot be loaded."""


def verify(ckpt: Path, require_weights: bool = True) -> None:
    """Raise CorruptCheckpoint (one line, naming the file) if any weights file of `ckpt` is damaged (or, with
    `require_weights`, if there is none)."""
    files = sorted(ckpt.glob("*.safetensors"))
    if not files and require_weights:
        raise CorruptCheckpoint(f"{ckpt}: no .safetensors weights in it")
    for f in files:
        why = safetensors_problem(f)
        if why:
            raise CorruptCheckpoint(f"{f}: corrupt ({why})")


# The files of a checkpoint that make up the deliverable; optimizer, scheduler and RNG state stay behind.
_MODEL_FILES = ("adapter_model.safetensors", "adapter_config.json", "README.md", "tokenizer.json",
                "tokenizer_config.json", "special_tokens_map.json", "chat_template.jinja", "vocab.json",
                "merges.txt", "added_tokens.json", "generation_config.json")


def copy_model_files(ckpt: Path, final_dir: Path) -> None:
    """`final/` from a checkpoint (a resume that finds nothing left to train), via a temp dir and a rename."""
    tmp = final_dir.with_name(final_dir.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir()
    for name in _MODEL_FILES:
        if (ckpt / name).is_file():
            shutil.copy2(ckpt / name, tmp / name)
    shutil.rmtree(final_dir, ignore_errors=True)
    os.replace(tmp, final_dir)
