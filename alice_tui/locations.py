"""Where the console finds things: run dirs, configs, dataset recipes and templates. One place only."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

PACKAGE_ROOT = Path(__file__).resolve().parents[1]
TEMPLATES = ("demo.yaml", "train_mac.yaml")
DATA_RECIPE_GLOB = "data_*.yaml"


def _configs_dir(base: Path) -> Path:
    here = base / "configs"
    # An installed console started outside the repo still offers the shipped templates.
    return here if here.is_dir() else PACKAGE_ROOT / "configs"


@dataclass(frozen=True)
class Locations:
    runs_dir: Path
    configs_dir: Path

    @classmethod
    def from_base(cls, runs_dir: Path, base: Path | None = None) -> Locations:
        base = Path.cwd() if base is None else base
        return cls(runs_dir=runs_dir, configs_dir=_configs_dir(base))

    def training_configs(self) -> list[Path]:
        """Training configs (every YAML in configs/ that is not a dataset recipe)."""
        if not self.configs_dir.is_dir():
            return []
        return sorted(p for p in self.configs_dir.glob("*.yaml") if not p.match(DATA_RECIPE_GLOB))

    def data_recipes(self) -> list[Path]:
        return sorted(self.configs_dir.glob(DATA_RECIPE_GLOB)) if self.configs_dir.is_dir() else []

    def template(self, name: str) -> Path:
        return self.configs_dir / name

    @property
    def default_config(self) -> Path:
        return self.configs_dir / "demo.yaml"
