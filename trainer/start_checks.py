"""What can be checked about a config before a run dir is made, without the ML stack.

`alice-tui train` and the console run these so a run that cannot start is refused at once, with
the field named, instead of failing minutes later inside the detached trainer.
"""

from __future__ import annotations

from pathlib import Path

from trainer import builtin
from trainer import config as cfgmod


def _looks_like_path(name: str) -> bool:
    # `org/model` is a hub id; a path is absolute, or starts with ./ ../ or ~, or has more than one '/'.
    return name.startswith(("/", "./", "../", "~")) or name.count("/") > 1


def problems(cfg: cfgmod.TrainConfig) -> list[cfgmod.FieldError]:
    """Field errors for a config whose paths were resolved (trainer.paths.resolve_config_paths)."""
    errors: list[cfgmod.FieldError] = []
    d = cfg.data
    if not (Path(d.path) / d.train_file).is_file():
        if not d.recipe:
            errors.append(cfgmod.FieldError(
                "data.path", f"{Path(d.path) / d.train_file} does not exist and data.recipe is null "
                             "(nothing to build it from)"))
        elif not Path(d.recipe).is_file():
            errors.append(cfgmod.FieldError("data.recipe", f"{d.recipe} does not exist (needed to build {d.path})"))
    name = cfg.model.name_or_path
    if name.startswith(builtin.PREFIX):
        if name not in builtin.known():
            errors.append(cfgmod.FieldError("model.name_or_path",
                                            f"unknown built-in {name!r} (known: {', '.join(builtin.known())})"))
    elif _looks_like_path(name) and not Path(name).expanduser().exists():
        errors.append(cfgmod.FieldError("model.name_or_path", f"no such local model directory: {name}"))
    return errors


def check(cfg: cfgmod.TrainConfig) -> None:
    """Raise ConfigError listing every problem found."""
    errors = problems(cfg)
    if errors:
        raise cfgmod.ConfigError(errors)
