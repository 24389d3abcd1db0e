"""The annotate step gives the same records in-process, in forked workers and in spawned workers (macOS)."""

from __future__ import annotations

import multiprocessing

import pytest

from datasets_build import steps
from datasets_build.builtin_tokenizer import BUILTIN_CACHE
from datasets_build.records import Record, make_id
from datasets_build.steps import AnnotateSettings, annotate
from datasets_build.synthetic import generate

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
    steps.clear_memos()
    recs, pii = annotate(_records(), SETTINGS, workers=1)
    return _view(recs), pii


def test_serial_annotation_masks_counts_and_serialises(serial: tuple[list[tuple[object, ...]], dict[str, int]]) -> None:
    view, pii = serial
    assert set(pii) == {"personnummer", "email", "phone", "case_id"} and all(v > 0 for v in pii.values())
    assert sum(sum(meta.get("pii", {}).values()) for *_, meta in view) == sum(pii.values())  # type: ignore[union-attr]
    assert {v[3] for v in view} == {"en", "sv"} and all(v[4] > 0 and v[8] for v in view)


def test_forked_workers_match_serial(serial: tuple[list[tuple[object, ...]], dict[str, int]]) -> None:
    steps.clear_memos()
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
