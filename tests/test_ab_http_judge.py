"""The http: judge against a real OpenAI-compatible server on 127.0.0.1: verdicts, retries, timeouts,
the concurrency limit, garbage replies, and the API key read from the environment."""

from __future__ import annotations

import time

import pytest
from ab_server import JudgeServer

from trainer.evaluation.ab.judge_http import parse_reply
from trainer.evaluation.ab.judges import JudgeItem, JudgeOptions, make_judge


def _items(n: int) -> list[JudgeItem]:
    good, bad = "Stockholm is the capital.", "I do not know."
    return [JudgeItem(f"Capital of Sweden? ({i})", good if i % 2 == 0 else bad, bad if i % 2 == 0 else good, "en")
            for i in range(n)]


def test_verdicts_follow_the_server_and_the_key_is_sent_from_the_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("T_JUDGE_KEY", "sk-test-123")
    with JudgeServer() as srv:
        judge = make_judge(f"http:{srv.url}", JudgeOptions(model="judge-7b", api_key_env="T_JUDGE_KEY"))
        verdicts = judge.judge(_items(6))
    assert [v.preference() for v in verdicts] == [1, -1] * 3
    assert srv.auth == ["Bearer sk-test-123"] * 6 and srv.models == ["judge-7b"] * 6
    assert "sk-test-123" not in judge.label + judge.cache_id + judge.note + getattr(judge, "key_note", "")


def test_no_key_variable_means_no_authorization_header(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("T_JUDGE_KEY", raising=False)
    with JudgeServer() as srv:
        judge = make_judge(f"http:{srv.url}", JudgeOptions(model="m", api_key_env="T_JUDGE_KEY"))
        assert judge.judge(_items(1))[0].p_first == 1.0
    assert srv.auth == [None]


def test_retries_ride_out_a_server_that_fails_first() -> None:
    with JudgeServer(mode="flaky", fail_first=2) as srv:
        judge = make_judge(f"http:{srv.url}", JudgeOptions(model="m", retries=2, backoff_s=0.01, concurrency=1))
        v = judge.judge(_items(1))[0]
    assert v.p_first == 1.0 and v.detail["attempts"] == 3 and srv.requests == 3


def test_retries_exhausted_is_a_counted_error_per_pair() -> None:
    with JudgeServer(mode="flaky", fail_first=100) as srv:
        judge = make_judge(f"http:{srv.url}", JudgeOptions(model="m", retries=1, backoff_s=0.01))
        verdicts = judge.judge(_items(3))
    assert all(v.p_first is None and "HTTP 503 (2 attempts)" in (v.error or "") for v in verdicts)
    assert srv.requests == 6


def test_a_stalling_server_times_out_per_pair_bounded_in_time() -> None:
    with JudgeServer(mode="stall") as srv:
        judge = make_judge(f"http:{srv.url}", JudgeOptions(model="m", timeout_s=0.3, retries=1, backoff_s=0.01,
                                                           concurrency=4))
        t = time.monotonic()
        verdicts = judge.judge(_items(4))
        elapsed = time.monotonic() - t
    assert all("timed out after 0.3 s (2 attempts)" in (v.error or "") for v in verdicts)
    assert elapsed < 3.0   # 4 pairs in parallel, 2 attempts of 0.3 s each, not 10 s per stall


@pytest.mark.parametrize(("mode", "message"), [("garbage", "reply is not JSON"), ("chatty", "neither A nor B")])
def test_garbage_replies_are_an_error_per_pair_never_a_crash(mode: str, message: str) -> None:
    with JudgeServer(mode=mode) as srv:
        judge = make_judge(f"http:{srv.url}", JudgeOptions(model="m", retries=0))
        verdicts = judge.judge(_items(3))
    assert [v.p_first for v in verdicts] == [None] * 3
    assert all(message in (v.error or "") for v in verdicts)


def test_concurrency_limit_holds() -> None:
    with JudgeServer(delay_s=0.15) as srv:
        judge = make_judge(f"http:{srv.url}", JudgeOptions(model="m", concurrency=3))
        verdicts = judge.judge(_items(12))
    assert all(v.p_first is not None for v in verdicts)
    assert srv.max_in_flight == 3   # reached, never exceeded


def test_refused_connection_is_retried_then_reported() -> None:
    judge = make_judge("http:127.0.0.1:9/v1", JudgeOptions(model="m", retries=1, backoff_s=0.01))
    v = judge.judge(_items(1))[0]
    assert v.p_first is None and "connection failed" in (v.error or "") and "(2 attempts)" in (v.error or "")


def test_http_judge_needs_a_model_name() -> None:
    with pytest.raises(ValueError, match="name the served model"):
        make_judge("http:127.0.0.1:8000/v1", JudgeOptions())


def test_reply_parsing_prefers_top_logprobs_over_the_text() -> None:
    body = (b'{"choices": [{"message": {"content": "A"}, "logprobs": {"content": [{"top_logprobs": '
            b'[{"token": "A", "logprob": -0.5}, {"token": "B", "logprob": -1.5}]}]}}]}')
    assert parse_reply(body) == pytest.approx(1 / (1 + 2.718281828459045 ** -1.0))
    assert parse_reply(b'{"choices": [{"message": {"content": " **B**"}}]}') == 0.0
