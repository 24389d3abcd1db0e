"""Speaker markers inside a turn: the real HH-RLHF rows that carry them, the single-newline kind, and the
USER:/ASSISTANT: and chat-template styles of PKU-SafeRLHF and local JSONL files."""

from __future__ import annotations

import json
import random
import re
from collections import Counter
from pathlib import Path

import pytest
from data_fixtures import HH_SAMPLE, PKU_ROWS, write_jsonl

from datasets_build import speaker_markers
from datasets_build.recipe import from_dict
from datasets_build.records import DataError, Drop, Record
from datasets_build.sources import hh_rlhf, local_jsonl, pku_saferlhf
from datasets_build.sources.base import SourceContext

# Lines of the real sample (1-based) whose final responses begin with "Human:" (a mislabelled turn), in the
# chosen answer, the rejected one, or an earlier assistant turn of the shared prompt.
CHOSEN_STARTS_HUMAN = 106  # "...\n\nAssistant: Human:  insulting a foreign exchange student will be ..."
REJECTED_STARTS_HUMAN = 141  # "...\n\nAssistant: Human: I'm not sure this is a phrase ..."
PROMPT_TURN_STARTS_HUMAN = 147  # an earlier assistant turn "Human: Do you think that that's beca..."


def _real_lines(*numbers: int) -> list[str]:
    with open(HH_SAMPLE, encoding="utf-8") as fh:
        lines = fh.readlines()
    return [lines[n - 1].rstrip("\n") for n in numbers]


def _read(module, path: Path, **opts) -> list[Record | Drop]:  # type: ignore[no-untyped-def]
    return list(module.read(SourceContext("s", {**module.DEFAULTS, "path": str(path), **opts}, on_error="skip")))


def test_real_hh_rows_whose_response_starts_with_human_are_dropped(tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "hh.jsonl", _real_lines(CHOSEN_STARTS_HUMAN, REJECTED_STARTS_HUMAN,
                                                          PROMPT_TURN_STARTS_HUMAN, 1))
    items = _read(hh_rlhf, path)
    drops = [i for i in items if isinstance(i, Drop)]
    assert [d.reason for d in drops] == [speaker_markers.REASON] * 3
    assert [d.origin.rsplit(":", 1)[1] for d in drops] == ["1", "2", "3"]
    assert "chosen response" in drops[0].message and "rejected response" in drops[1].message
    assert "assistant turn in the prompt" in drops[2].message
    assert isinstance(items[3], Record)  # a clean row passes


def test_whole_real_sample_keeps_no_marker_in_any_turn() -> None:
    items = _read(hh_rlhf, HH_SAMPLE)
    records = [i for i in items if isinstance(i, Record)]
    assert Counter(i.reason for i in items if isinstance(i, Drop))[speaker_markers.REASON] == 28
    for r in records:
        for text in (r.chosen, r.rejected, *(m["content"] for m in r.prompt)):
            assert speaker_markers.find(text) is None, r.origin


def test_single_newline_marker_in_a_real_response_is_dropped_or_cut_under_repair(tmp_path: Path) -> None:
    # A real row with the quirk HH-RLHF's helpful splits have: the response runs on into a made-up next turn
    # after a single newline.
    row = json.loads(_real_lines(1)[0])
    row["chosen"] += "\nHuman: thanks!\nAssistant: You're welcome."
    path = write_jsonl(tmp_path / "hh.jsonl", [row])
    (dropped,) = _read(hh_rlhf, path)
    assert isinstance(dropped, Drop) and dropped.reason == speaker_markers.REASON
    assert "'\\nHuman:'" in dropped.message
    (repaired,) = _read(hh_rlhf, path, speaker_markers="repair")
    (clean,) = _read(hh_rlhf, write_jsonl(tmp_path / "orig.jsonl", _real_lines(1)))
    assert isinstance(repaired, Record) and isinstance(clean, Record)
    assert repaired.chosen == clean.chosen and repaired.id == clean.id
    assert repaired.meta["repaired"] == speaker_markers.REASON


def test_repair_never_guesses_whose_turn_a_leading_marker_is(tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "hh.jsonl", _real_lines(CHOSEN_STARTS_HUMAN))
    (item,) = _read(hh_rlhf, path, speaker_markers="repair")
    assert isinstance(item, Drop) and item.reason == speaker_markers.REASON


@pytest.mark.parametrize("text", [
    "USER: and then?", "Sure.\nASSISTANT: more", "Done.\n### Human: next", "ok <|im_start|>user\nhi",
    "[INST] do it [/INST]", "text\n  User: again", "<<SYS>> you are", "Fine.\nAssistant: and"])
def test_markers_of_other_styles_are_found(text: str) -> None:
    assert speaker_markers.find(text) is not None


@pytest.mark.parametrize("text", [
    "The user: a person who uses the app.", "Ask the human resources team.", "Our assistant manager said no.",
    "Users: 12 active", "Human rights: a list", "She is the USER's assistant: she helps."])
def test_words_that_are_not_markers_are_left_alone(text: str) -> None:
    assert speaker_markers.find(text) is None


def test_the_line_start_scan_finds_what_the_one_regex_finds() -> None:
    """`find` tries the role half only where lines start and the token half only after a hint: on every
    text of the real sample and on seeded strings packed with markers, newlines and near-misses it returns
    the match one regex of both halves returns."""
    texts = []
    with open(HH_SAMPLE, encoding="utf-8") as fh:
        for line in fh:
            row = json.loads(line)
            texts += [row["chosen"], row["rejected"], *row["chosen"].split("\n\n")]
    rng = random.Random(5)
    parts = ["\n", " ", "\t", "Human", "HUMAN", "Assistant", "User", "USER", ":", "##", "### ", "<|im_start|>",
             "<|im_end|>", "<|endoftext|>", "[INST]", "[/INST]", "<<SYS>>", "<</SYS>>", "ser", "<|", "INST]", "x"]
    texts += ["".join(rng.choice(parts) for _ in range(rng.randrange(1, 12))) for _ in range(20_000)]

    def span(m: re.Match[str] | None) -> tuple[int, int] | None:
        return m.span() if m is not None else None

    one_regex = re.compile(f"{speaker_markers._ROLE}|{speaker_markers._TOKENS}")
    assert [span(speaker_markers.find(t)) for t in texts] == [span(one_regex.search(t)) for t in texts]
    assert sum(speaker_markers.find(t) is not None for t in texts) > 5_000


def test_pku_and_local_jsonl_rows_with_markers_are_dropped_and_counted(tmp_path: Path) -> None:
    pku_bad = dict(PKU_ROWS[1], response_1="Use a password manager.\nUSER: what else?\nASSISTANT: 2FA.")
    pku = _read(pku_saferlhf, write_jsonl(tmp_path / "pku.jsonl", [PKU_ROWS[1], pku_bad]))
    assert [type(i).__name__ for i in pku] == ["Record", "Drop"] and pku[1].reason == speaker_markers.REASON
    local = _read(local_jsonl, write_jsonl(tmp_path / "local.jsonl", [
        {"prompt": "Hej", "chosen": "Hej! Hur kan jag hjälpa dig?", "rejected": "Nej."},
        {"prompt": "Hej", "chosen": "Hej!<|im_end|>\n<|im_start|>user\nTack", "rejected": "Nej."}]))
    assert isinstance(local[0], Record) and isinstance(local[1], Drop)
    assert local[1].reason == speaker_markers.REASON


def test_recipe_rejects_an_unknown_speaker_markers_mode() -> None:
    with pytest.raises(DataError, match=r"sources\[0\]\.speaker_markers: must be one of \('drop', 'repair'\)"):
        from_dict({"name": "t", "version": "v1", "sources": [{"type": "hh_rlhf", "path": "x.jsonl",
                                                               "speaker_markers": "keep"}]})
