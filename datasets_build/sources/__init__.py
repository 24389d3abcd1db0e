"""Source registry: a source type is a module `datasets_build.sources.<type>` (a new source is one file)."""

from __future__ import annotations

import importlib
import pkgutil
from types import ModuleType

COMMON_OPTIONS = {"name": str, "type": str, "lang": str, "domain": str, "quality": int, "limit": int,
                  "on_error": str}
_NOT_SOURCES = {"base"}


def available() -> list[str]:
    """Every source type shipped with the package."""
    return sorted(m.name for m in pkgutil.iter_modules(__path__) if m.name not in _NOT_SOURCES)


def load(source_type: str) -> ModuleType:
    """The module of a source type, or ValueError listing the types there are."""
    if source_type not in available():
        raise ValueError(f"unknown source type {source_type!r} (choose from {', '.join(available())})")
    return importlib.import_module(f"{__name__}.{source_type}")
