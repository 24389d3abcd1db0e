"""Run a heavy tool (dataset build, evaluation) as a subprocess and read its JSON progress lines.

Plain module (no Textual): the console stays light because the heavy work happens elsewhere.
"""

from __future__ import annotations

import json
import os
import selectors
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any


def dataset_build_command(recipe: Path, out: Path | None = None) -> list[str]:
    cmd = [sys.executable, "-m", "datasets_build", "build", "--config", str(recipe), "--progress-json"]
    return [*cmd, "--out", str(out)] if out else cmd


def eval_command(run_dir: Path, checkpoint: str, split: str, limit: int | None = None) -> list[str]:
    cmd = [sys.executable, "-m", "trainer.evaluation", str(run_dir), "--checkpoint", checkpoint, "--split", split,
           "--progress-json"]
    return [*cmd, "--limit", str(limit)] if limit else cmd


def preflight_command(config: Path) -> list[str]:
    return [sys.executable, "-m", "trainer.preflight", str(config), "--json"]


def run_json_lines(cmd: list[str], cancelled: Callable[[], bool]) -> Iterator[dict[str, Any]]:
    """Yield each JSON object the command prints; other stdout lines come as {"event": "output"}.

    Ends with {"event": "exit", "code": n, "stderr_tail": "..."} so a crash is reported with its cause.
    Cancelling terminates the child (then kills it if it ignores SIGTERM).
    """
    with tempfile.TemporaryFile() as err:
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=err, stdin=subprocess.DEVNULL,
                                env={**os.environ, "PYTHONUNBUFFERED": "1"})
        assert proc.stdout is not None
        try:
            for raw in _lines(proc, cancelled):
                line = raw.decode("utf-8", "replace").strip()
                if not line:
                    continue
                try:
                    obj = json.loads(line)
                except json.JSONDecodeError:
                    obj = None
                yield obj if isinstance(obj, dict) else {"event": "output", "line": line}
        finally:
            if proc.poll() is None and cancelled():
                proc.terminate()
                try:
                    proc.wait(timeout=5)
                except subprocess.TimeoutExpired:
                    proc.kill()
            code = proc.wait()
        err.seek(0)
        tail = err.read()[-4000:].decode("utf-8", "replace")
    yield {"event": "exit", "code": code, "stderr_tail": tail, "cancelled": cancelled()}


def _lines(proc: subprocess.Popen[bytes], cancelled: Callable[[], bool], poll: float = 0.2) -> Iterator[bytes]:
    """stdout lines, checking `cancelled` at least every `poll` seconds even when the child is silent."""
    assert proc.stdout is not None
    fd = proc.stdout.fileno()
    buf = b""
    with selectors.DefaultSelector() as sel:
        sel.register(fd, selectors.EVENT_READ)
        while not cancelled():
            if not sel.select(poll):
                continue
            chunk = os.read(fd, 1 << 16)
            if not chunk:
                break
            buf += chunk
            *lines, buf = buf.split(b"\n")
            yield from lines
    if buf and not cancelled():
        yield buf


def last_lines(text: str, n: int = 6) -> str:
    return "\n".join(text.strip().splitlines()[-n:])


def module_available(module: str) -> bool:
    """Whether `python -m module` can run, without importing it here (it may be heavy)."""
    import importlib.util

    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):
        return False

