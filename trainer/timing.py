"""Step timing for progress: active time per step (pauses and checkpoint saves excluded), tokens/s, ETA.

Pure arithmetic on timestamps given by the caller, so it is unit-tested without a clock.
"""

from __future__ import annotations

import statistics
from collections import deque

ETA_WINDOW = 10


class StepClock:
    """Fed the boundaries of optimizer steps and the spans to leave out (pauses, saves)."""

    def __init__(self, window: int = ETA_WINDOW):
        self.recent: deque[float] = deque(maxlen=window)
        self._mark: float | None = None       # end of the previous step (or the start of training)
        self._excluded = 0.0                  # excluded seconds since _mark
        self._interval_active = 0.0           # active seconds since the last tokens/s report
        self._last_tokens: int | None = None
        self.last_step_time: float | None = None

    def start(self, now: float) -> None:
        self._mark = now
        self._excluded = 0.0

    def exclude(self, seconds: float) -> None:
        """Time spent paused or saving: not training, so not part of a step's time."""
        self._excluded += max(0.0, seconds)

    def step_done(self, now: float) -> float | None:
        if self._mark is None:
            self.start(now)
            return None
        dt = max(0.0, now - self._mark - self._excluded)
        self._mark, self._excluded = now, 0.0
        self.recent.append(dt)
        self._interval_active += dt
        self.last_step_time = dt
        return dt

    def seconds_per_step(self) -> float | None:
        """Median of the recent steps: follows a change of speed, and one slow step (a GC, a save) does not
        swing the ETA the way an average since start would."""
        return statistics.median(self.recent) if self.recent else None

    def eta(self, step: int, max_steps: int) -> float | None:
        sps = self.seconds_per_step()
        if sps is None:
            return None
        return max(0, max_steps - step) * sps

    def tokens_per_s(self, total_tokens: int | None) -> float | None:
        """Rate over the active time since the previous call, from a cumulative token count.

        A count that went down (a resumed process counts from zero again) restarts the baseline.
        """
        if total_tokens is None:
            return None
        prev = self._last_tokens
        if prev is None or total_tokens < prev:
            prev = 0
        self._last_tokens = total_tokens
        active, self._interval_active = self._interval_active, 0.0
        if active <= 0:
            return None
        return (total_tokens - prev) / active
