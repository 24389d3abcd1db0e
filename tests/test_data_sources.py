"""Sources on real-format input: HH-RLHF's real quirks, PKU-SafeRLHF's schema, a user's JSONL with bad lines."""

from __future__ import annotations

import gzip
import shutil
from collections import Counter
from pathlib import Path

import pytest
from data_fixtures import HH_SAMPLE, PKU_ROWS, write_jsonl

from datasets_build.records import DataError, Drop, Record
from datasets_build.sources import available, hh_rlhf, load, local_jsonl, pku_saferlhf
from datasets_build.sources.base import SourceContext


def _ctx(module, on_error: str = "fail", **opts) -> SourceContext:  # type: ignore[no-untyped-def]
    return SourceContext("s", {**module.DEFAULTS, **opts}, on_error=on_error)


def _split(items: list[Record | Drop]) -> tuple[list[Record], Counter[str]]:
    return [i for i in items if isinstance(i, Record)], Counter(i.reason for i in items if isinstance(i, Drop))


def test_registry_lists_every_source_and_rejects_unknown() -> None:
    assert {"hh_rlhf", "pku_saferlhf", "swedish_synthetic", "english_synthetic", "translate_en_sv",
            "local_jsonl"} <= set(available())
    with pytest.raises(ValueError, match="unknown source type 'nope'"):
        load("nope")


def test_hh_rlhf_real_sample_quirks_are_counted() -> None:
    items = list(hh_rlhf.read(_ctx(hh_rlhf, path=str(HH_SAMPLE))))
    records, drops = _split(items)
    assert len(items) == 1500
    # The real file has one pair whose dialogues differ before the last turn, four empty responses and 28
    # pairs with a turn that starts with "Human:" (tests/test_data_speaker_markers.py).
    assert drops == Counter({"empty_response": 4, "prefix_mismatch": 1, "speaker_marker_in_turn": 28})
    assert len(records) == 1467
    for r in records:
        assert r.prompt[-1]["role"] == "user"
        assert all(m["role"] in ("user", "assistant") for m in r.prompt)
        assert r.chosen and r.rejected and "\n\nAssistant:" not in r.chosen
    first = records[0]
    assert first.prompt[0] == {"role": "user", "content": "what are some pranks with a pen i can do?"}
    assert first.origin.endswith(":1")


def test_hh_rlhf_split_and_gzip(tmp_path: Path) -> None:
    split = hh_rlhf.split_dialogue("\n\nHuman: hi\n\nAssistant: hello\n\nHuman: bye\n\nAssistant: ciao")
    assert split is not None
    prefix, response = split
    assert response == "ciao"
    assert hh_rlhf.to_messages(prefix) == [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "hello"},
                                           {"role": "user", "content": "bye"}]
    gz = tmp_path / "hh.jsonl.gz"
    with open(HH_SAMPLE, "rb") as src, gzip.open(gz, "wb") as dst:
        shutil.copyfileobj(src, dst)
    assert len(list(hh_rlhf.read(_ctx(hh_rlhf, path=str(gz))))) == 1500


def test_pku_preference_axis_and_both_unsafe(tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "pku.jsonl", PKU_ROWS)
    records, drops = _split(list(pku_saferlhf.read(_ctx(pku_saferlhf, path=str(path), preference="safer"))))
    assert drops == Counter({"both_unsafe": 1})
    assert records[0].chosen.startswith("Following someone")  # safer: the refusal
    assert records[0].meta == {"chosen_safe": True, "rejected_safe": False}
    better, _ = _split(list(pku_saferlhf.read(_ctx(pku_saferlhf, path=str(path), preference="better"))))
    assert better[0].chosen.startswith("You could look her up")  # better (helpfulness) prefers the unsafe one
    kept_all, drops_all = _split(list(pku_saferlhf.read(
        _ctx(pku_saferlhf, path=str(path), preference="safer", drop_both_unsafe=False))))
    assert len(kept_all) == 4 and not drops_all
    with pytest.raises(DataError, match="preference must be one of"):
        list(pku_saferlhf.read(_ctx(pku_saferlhf, path=str(path), preference="kinder")))


def test_pku_bad_rows_fail_with_file_line_or_are_counted(tmp_path: Path) -> None:
    bad_type = dict(PKU_ROWS[1], safer_response_id="1")
    missing = {k: v for k, v in PKU_ROWS[1].items() if k != "response_1"}
    path = write_jsonl(tmp_path / "pku.jsonl", [PKU_ROWS[1], bad_type, "{not json", missing])
    with pytest.raises(DataError, match=r"pku.jsonl:2: field 'safer_response_id' must be int, got str"):
        list(pku_saferlhf.read(_ctx(pku_saferlhf, path=str(path))))
    records, drops = _split(list(pku_saferlhf.read(_ctx(pku_saferlhf, "skip", path=str(path)))))
    assert len(records) == 1
    assert drops == Counter({"wrong_type": 1, "malformed_json": 1, "missing_field": 1})


LOCAL_LINES = [
    {"prompt": "Vad heter Sveriges huvudstad?", "chosen": "Stockholm är huvudstaden.", "rejected": "Oslo."},
    {"prompt": [{"role": "system", "content": "Var kort."}, {"role": "user", "content": "Hej?"}],
     "chosen": [{"role": "assistant", "content": "Hej! Hur kan jag hjälpa dig?"}], "rejected": "Vad?",
     "domain": "chat"},
    '{"prompt": "trasig rad", "chosen": ',
    {"prompt": "Saknar rejected", "chosen": "ja"},
    {"prompt": [{"role": "robot", "content": "x"}], "chosen": "a", "rejected": "b"},
    {"prompt": "ok", "chosen": 5, "rejected": "b"},
    "",
    [1, 2, 3],
]


def test_local_jsonl_errors_name_file_and_line(tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "local.jsonl", LOCAL_LINES)
    with pytest.raises(DataError, match=r"local.jsonl:3: malformed JSON"):
        list(local_jsonl.read(_ctx(local_jsonl, path=str(path))))
    items = list(local_jsonl.read(_ctx(local_jsonl, "skip", path=str(path))))
    records, drops = _split(items)
    assert [r.origin.rsplit(":", 1)[1] for r in records] == ["1", "2"]
    assert records[1].prompt[0] == {"role": "system", "content": "Var kort."}
    assert records[1].chosen == "Hej! Hur kan jag hjälpa dig?" and records[1].domain == "chat"
    assert drops == Counter({"malformed_json": 1, "missing_field": 1, "wrong_type": 3})
    by_line = {i.origin.rsplit(":", 1)[1]: i.message for i in items if isinstance(i, Drop)}
    assert "role 'robot'" in by_line["5"] and "'chosen'" in by_line["6"] and "JSON object" in by_line["8"]
    assert "7" not in by_line  # a blank line is not a row


def test_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(DataError, match=r"file not found: .*nothere\.jsonl"):
        list(local_jsonl.read(_ctx(local_jsonl, "skip", path=str(tmp_path / "nothere.jsonl"))))


def test_invalid_utf8_is_reported_with_its_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_bytes(b'{"prompt": "a", "chosen": "b", "rejected": "c"}\n{"prompt": "\xff"}\n')
    with pytest.raises(DataError, match=r"bad.jsonl:2: not valid UTF-8"):
        list(local_jsonl.read(_ctx(local_jsonl, path=str(path))))
