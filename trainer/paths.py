"""Where things live on disk: the project root, the builtin-model cache, and config path resolution.

Light module (the console resolves a config's paths before it starts a run).
"""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path

from trainer import config as cfgmod

CACHE_ENV = "ALICE_TUI_CACHE"


def project_root() -> Path:
    """The source checkout when running from one (editable install), else the current directory."""
    here = Path(__file__).resolve().parents[1]
    return here if (here / "pyproject.toml").is_file() else Path.cwd()


def builtin_cache() -> Path:
    """Cache for built-in tokenizer and tiny model; shared by every run (and test) of this checkout."""
    env = os.environ.get(CACHE_ENV)
    return Path(env) if env else project_root() / "outputs" / "builtin"


def _abs(value: str | None, base: Path) -> str | None:
    if value is None:
        return None
    p = Path(value).expanduser()
    return str(p if p.is_absolute() else (base / p).resolve())


def resolve_config_paths(cfg: cfgmod.TrainConfig, base: Path | None = None) -> cfgmod.TrainConfig:
    """Make relative paths absolute against `base` (the cwd at `alice-tui train` time).

    The run's config.yaml snapshot then means the same files whatever directory `resume` is run from.
    A model name that is not an existing local path is a hub id and stays as written.
    """
    base = (base or Path.cwd()).resolve()
    data = dataclasses.replace(cfg.data, path=_abs(cfg.data.path, base) or cfg.data.path,
                               recipe=_abs(cfg.data.recipe, base))
    ckpt = dataclasses.replace(cfg.checkpointing,
                               output_root=_abs(cfg.checkpointing.output_root, base) or cfg.checkpointing.output_root)
    model = cfg.model
    name = cfg.model.name_or_path
    if not name.startswith("builtin:") and not Path(name).is_absolute() and (base / name).exists():
        model = dataclasses.replace(cfg.model, name_or_path=str((base / name).resolve()))
    return dataclasses.replace(cfg, data=data, checkpointing=ckpt, model=model)
