"""Progress arithmetic: step time without pauses, ETA from recent steps, tokens/s over active time."""

from __future__ import annotations

import pytest

from trainer.timing import StepClock


def test_paused_and_saving_time_is_not_step_time() -> None:
    c = StepClock()
    c.start(100.0)
    assert c.step_done(102.0) == 2.0
    c.exclude(30.0)  # paused for 30 s between step 1 and step 2
    assert c.step_done(134.0) == 2.0
    assert c.seconds_per_step() == 2.0


def test_eta_follows_recent_steps_not_the_average_since_start() -> None:
    c = StepClock(window=10)
    t = 0.0
    c.start(t)
    for _ in range(50):  # a slow start: 10 s per step
        t += 10.0
        c.step_done(t)
    for _ in range(10):  # then it speeds up to 1 s per step
        t += 1.0
        c.step_done(t)
    assert c.eta(step=60, max_steps=100) == pytest.approx(40.0)  # average-since-start would say ~340 s
    assert c.eta(step=100, max_steps=100) == 0


def test_one_slow_step_does_not_swing_the_eta() -> None:
    c = StepClock(window=10)
    t = 0.0
    c.start(t)
    for dt in [1.0] * 9 + [60.0]:
        t += dt
        c.step_done(t)
    assert c.seconds_per_step() == 1.0


def test_tokens_per_second_uses_active_time_and_survives_a_counter_reset() -> None:
    c = StepClock()
    c.start(0.0)
    c.step_done(2.0)
    assert c.tokens_per_s(1000) == pytest.approx(500.0)
    c.exclude(100.0)
    c.step_done(104.0)
    assert c.tokens_per_s(3000) == pytest.approx(1000.0)  # 2000 tokens over 2 active seconds
    c.step_done(105.0)
    assert c.tokens_per_s(400) == pytest.approx(400.0)  # a resumed process counts from zero again


def test_no_estimate_before_the_first_step() -> None:
    c = StepClock()
    assert c.eta(0, 10) is None and c.seconds_per_step() is None
    assert c.tokens_per_s(None) is None
