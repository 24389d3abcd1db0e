"""The package boundaries of ARCHITECTURE.md, checked rather than hoped for."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
HEAVY = ("torch", "transformers", "trl", "peft", "datasets", "accelerate")


def _loaded_after(code: str) -> set[str]:
    probe = code + "\nimport sys\nprint(' '.join(sorted(m for m in sys.modules)))\n"
    out = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    return set(out.stdout.split())


@pytest.mark.parametrize("module", ["alice_tui.cli", "alice_tui.app", "trainer.config", "trainer.protocol",
                                    "trainer.rundir", "trainer.client", "trainer.launch"])
def test_light_modules_do_not_pull_the_ml_stack(module: str) -> None:
    loaded = _loaded_after(f"import {module}")
    assert not loaded & set(HEAVY), f"{module} imports {sorted(loaded & set(HEAVY))}"


@pytest.mark.parametrize("package", ["trainer", "datasets_build"])
def test_backends_never_import_textual(package: str) -> None:
    # Import every module of the package, then look for textual in sys.modules.
    code = (f"import pkgutil, importlib, {package}\n"
            f"for m in pkgutil.walk_packages({package}.__path__, '{package}.'):\n"
            f"    if not m.name.endswith('__main__'):\n"
            f"        importlib.import_module(m.name)\n")
    loaded = _loaded_after(code)
    assert not {m for m in loaded if m == "textual" or m.startswith(("textual.", "alice_tui"))}


def test_import_contracts_hold() -> None:
    exe = Path(sys.executable).with_name("lint-imports")
    out = subprocess.run([str(exe)], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stdout + out.stderr
