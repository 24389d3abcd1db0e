"""What can be checked about a config before a run dir is made, without the ML stack: files, model dir, device.

Light module (stdlib + the config schema): the console runs it as the form is edited, so a config that
cannot start is never shown as valid, and a missing local model never surfaces as a hub error.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from trainer import builtin
from trainer import config as cfgmod

# A hub id is `name` or `org/name`; anything else with a separator, or with ~ or a leading dot, is a path.
_PATH_PREFIXES = ("/", "~", "./", "../", ".\\", "..\\")


def looks_like_path(name: str) -> bool:
    if name.startswith("builtin:"):
        return False
    return name.startswith(_PATH_PREFIXES) or name.count("/") > 1 or name.endswith("/") or "\\" in name


def _resolve(value: str, base: Path) -> Path:
    p = Path(value).expanduser()
    return p if p.is_absolute() else base / p


def check(cfg: cfgmod.TrainConfig, base: Path | None = None) -> list[cfgmod.FieldError]:
    """Problems that would stop the trainer at start-up, each on its field; relative paths against `base` (cwd)."""
    base = base or Path.cwd()
    errors: list[cfgmod.FieldError] = []
    name = cfg.model.name_or_path
    local = _resolve(name, base)
    if name.startswith(builtin.PREFIX) and name not in builtin.known():
        errors.append(cfgmod.FieldError("model.name_or_path",
                                        f"unknown built-in {name!r} (known: {', '.join(builtin.known())})"))
    elif looks_like_path(name) or (not name.startswith("builtin:") and local.exists()):
        if not local.exists():
            errors.append(cfgmod.FieldError("model.name_or_path", f"{local} does not exist (a local model path)"))
        elif not (local / "config.json").is_file():
            errors.append(cfgmod.FieldError("model.name_or_path",
                                            f"{local} is not a model directory (no config.json in it)"))
    data = _resolve(cfg.data.path, base)
    if not (data / cfg.data.train_file).is_file():
        if not cfg.data.recipe:
            errors.append(cfgmod.FieldError(
                "data.path", f"{data / cfg.data.train_file} does not exist and data.recipe is not set to build it"))
        elif not _resolve(cfg.data.recipe, base).is_file():
            errors.append(cfgmod.FieldError(
                "data.recipe", f"{_resolve(cfg.data.recipe, base)} does not exist (needed to build missing {data})"))
    device = cfg.device.device
    if device == "mps" and sys.platform != "darwin":
        errors.append(cfgmod.FieldError("device.device", f"mps needs macOS (this machine runs {sys.platform})"))
    elif device == "cuda" and sys.platform == "darwin":
        errors.append(cfgmod.FieldError("device.device", "cuda is not available on macOS (use mps or auto)"))
    elif device == "cuda" and os.environ.get("CUDA_VISIBLE_DEVICES") in ("", "-1"):
        errors.append(cfgmod.FieldError("device.device", "cuda requested but CUDA_VISIBLE_DEVICES hides every GPU"))
    return errors


def require(cfg: cfgmod.TrainConfig, base: Path | None = None, source: str | None = None) -> None:
    """ConfigError naming every field that would stop the run, or nothing."""
    errors = check(cfg, base)
    if errors:
        raise cfgmod.ConfigError(errors, source)
