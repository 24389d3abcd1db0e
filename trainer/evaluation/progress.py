"""Progress of an evaluation: JSON lines on stdout for the console (--progress-json), or a terse stderr line."""

from __future__ import annotations

import json
import sys
import time
from typing import Any, TextIO

PHASES = ("base", "tuned", "generate")


class Progress:
    """`progress(phase, done, total)`; JSON mode prints every update the console may draw (throttled)."""

    def __init__(self, json_mode: bool, out: TextIO | None = None, err: TextIO | None = None,
                 min_interval_s: float = 0.2):
        self.json_mode = json_mode
        self.out = out or sys.stdout
        self.err = err or sys.stderr
        self.min_interval_s = min_interval_s
        self._last: dict[str, float] = {}

    def _emit(self, obj: dict[str, Any]) -> None:
        self.out.write(json.dumps(obj, ensure_ascii=False) + "\n")
        self.out.flush()

    def __call__(self, phase: str, done: int, total: int) -> None:
        now = time.monotonic()
        # The first and last update of a phase always go out; those between at most every min_interval_s.
        if 0 < done < total and now - self._last.get(phase, 0.0) < self.min_interval_s:
            return
        self._last[phase] = now
        if self.json_mode:
            self._emit({"event": "progress", "phase": phase, "done": done, "total": total})
        elif done == total:
            self.err.write(f"{phase}: {done}/{total}\n")
            self.err.flush()

    def phase(self, phase: str) -> Any:
        """A (done, total) callback bound to one phase."""
        return lambda done, total: self(phase, done, total)

    def log(self, message: str) -> None:
        if self.json_mode:
            self._emit({"event": "log", "message": message})
        else:
            self.err.write(message + "\n")
            self.err.flush()

    def done(self, report_path: str) -> None:
        if self.json_mode:
            self._emit({"event": "done", "report": report_path})

    def error(self, message: str) -> None:
        if self.json_mode:
            self._emit({"event": "error", "message": message})
        self.err.write(f"alice-tui eval: error: {message}\n")
        self.err.flush()
