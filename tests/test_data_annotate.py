"""The annotate step gives the same records in-process, in forked workers and in spawned workers (macOS)."""

from __future__ import annotations

import multiprocessing
import os

import pytest

from datasets_build.annotate import AnnotateSettings, annotate, clear_memos
from datasets_build.builtin_tokenizer import BUILTIN_CACHE
from datasets_build.records import Record, make_id
from datasets_build.synthetic import generate
from datasets_build.workers import WorkerError, Workers

SETTINGS = AnnotateSettings(pii_enabled=True, pii_kinds=("personnummer", "email", "phone", "case_id"),
                            case_id_patterns=None, phone_regions=("SE", "GB"), languages=("en", "sv"),
                            tokenizer="builtin:tiny-qwen2", tokenizer_cache=str(BUILTIN_CACHE))


def _records() -> list[Record]:
    pairs = generate("sv", 320, 4) + generate("en", 320, 4)
    pairs += pairs[:40]  # repeated texts go through the memos
    return [Record(id=make_id("s", p["prompt"], p["chosen"], p["rejected"]), prompt=p["prompt"], chosen=p["chosen"],
                   rejected=p["rejected"], source="s", lang="", domain=p["domain"], quality=3, origin=f"gen:{i}")
            for i, p in enumerate(pairs)]


def _view(recs: list[Record]) -> list[tuple[object, ...]]:
    return [(r.prompt, r.chosen, r.rejected, r.lang, r.n_tokens, r.n_tokens_rejected, r.bucket, r.fp, r.split_line,
             r.meta) for r in recs]


@pytest.fixture(scope="module")
def serial() -> tuple[list[tuple[object, ...]], dict[str, int]]:
    clear_memos()
    recs, pii = annotate(_records(), SETTINGS, workers=1)
    return _view(recs), pii


def test_serial_annotation_masks_counts_and_serialises(serial: tuple[list[tuple[object, ...]], dict[str, int]]) -> None:
    view, pii = serial
    assert set(pii) == {"personnummer", "email", "phone", "case_id"} and all(v > 0 for v in pii.values())
    assert sum(sum(meta.get("pii", {}).values()) for *_, meta in view) == sum(pii.values())  # type: ignore[union-attr]
    assert {v[3] for v in view} == {"en", "sv"} and all(v[4] > 0 and v[8] for v in view)


def test_forked_workers_match_serial(serial: tuple[list[tuple[object, ...]], dict[str, int]]) -> None:
    clear_memos()
    done: list[int] = []
    recs, pii = annotate(_records(), SETTINGS, workers=2, chunk=100, progress=lambda d, n: done.append(d))
    assert (_view(recs), pii) == serial
    assert done[-1] == len(recs) and len(done) > 1


def test_spawned_workers_match_serial(serial: tuple[list[tuple[object, ...]], dict[str, int]],
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    # macOS has no fork: the workers load their own models and the records travel to them and back.
    monkeypatch.setattr(multiprocessing, "get_all_start_methods", lambda: ["spawn"])
    recs, pii = annotate(_records(), SETTINGS, workers=2, chunk=250)
    assert (_view(recs), pii) == serial


def _noop() -> None:
    pass


def _fail(payload: object) -> object:
    raise ValueError(f"boom on {payload!r}")


def _die(payload: object) -> object:
    os._exit(3)


def _double(payload: int) -> int:
    return 2 * payload


def test_workers_return_results_by_task_number() -> None:
    workers = Workers(2, _double, _noop, ())
    results: dict[int, int] = {}
    try:
        for seq in range(6):
            worker = workers.free_worker()
            while worker is None:  # two tasks per worker at most: collect before sending more
                results.update(workers.collect(block=True))
                worker = workers.free_worker()
            workers.send(worker, seq, seq + 10)
        while len(results) < 6:
            results.update(workers.collect(block=True))
    finally:
        workers.close()
    assert results == {seq: 2 * (seq + 10) for seq in range(6)}
    assert not os.path.exists(workers.scratch)


def test_a_failing_worker_raises_with_its_traceback() -> None:
    workers = Workers(1, _fail, _noop, ())
    try:
        workers.send(0, 7, "x")
        with pytest.raises(WorkerError, match=r"task 7(.|\n)*ValueError: boom on 'x'"):
            workers.collect(block=True)
    finally:
        workers.close()


def test_a_worker_that_dies_is_reported_not_waited_for() -> None:
    workers = Workers(1, _die, _noop, ())
    try:
        workers.send(0, 0, None)
        with pytest.raises(WorkerError, match="died"):
            workers.collect(block=True)
    finally:
        workers.close()
