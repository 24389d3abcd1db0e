"""Where things live on disk: the project root, the builtin-model cache, and config path resolution.

Light module (the console resolves a config's paths before it starts a run).
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

# One cache location for the builder and the trainer, defined where both may import it.
from datasets_build.cache_dir import CACHE_ENV, builtin_cache, project_root
from trainer import config as cfgmod

__all__ = ["CACHE_ENV", "builtin_cache", "project_root", "resolve_config_paths"]


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
