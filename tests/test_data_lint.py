"""Preference lint on small inline samples: each figure, its examples and its warning."""

from __future__ import annotations

from datasets_build import lint
from datasets_build.recipe import LintSettings
from datasets_build.records import Record
from datasets_build.report import summary


def _rec(i: int, chosen: str, rejected: str, n: int = 20, nr: int = 10, prompt: list | None = None,
         source: str = "s", lang: str = "en") -> Record:
    return Record(id=f"r{i}", prompt=prompt or [{"role": "user", "content": "Q?"}], chosen=chosen, rejected=rejected,
                  source=source, lang=lang, domain="d", quality=3, origin="o", n_tokens=n, n_tokens_rejected=nr)


def _report(records: list[Record], **settings: object) -> dict:
    return lint.report({"train": records, "val": [], "test": [], "golden": []}, LintSettings(**settings), 100)


def test_chosen_longer_share_per_source_and_language_warns_out_of_band() -> None:
    recs = [_rec(i, "a", "b", n=30, nr=10) for i in range(8)] + [_rec(8, "a", "b", n=10, nr=30),
                                                                  _rec(9, "a", "b", n=10, nr=10)]
    recs += [_rec(10 + i, "a", "b", n=10 + i % 2 * 20, nr=20, source="t", lang="sv") for i in range(4)]
    out = _report(recs)
    assert out["chosen_longer"]["by_source_lang"]["s/en"] == {"pairs": 10, "chosen_longer": 0.8, "ties": 1}
    assert out["chosen_longer"]["by_source_lang"]["t/sv"]["chosen_longer"] == 0.5
    assert [w for w in out["warnings"] if "chosen is longer" in w] == [
        "WARNING: chosen is longer than rejected in 80.0% of 10 pairs of s/en (band 35%-65%): DPO would learn length"]


def test_pairs_that_differ_only_in_whitespace_punctuation_or_case() -> None:
    recs = [_rec(1, "Yes, you can.", "yes  you can"), _rec(2, "Yes.", "No."), _rec(3, "Ok!", "OK")]
    out = _report(recs, trivial_difference=0.5)
    assert out["trivial_difference"] == {"count": 2, "share": 0.6667, "max_share": 0.5, "examples": ["r1", "r3"]}
    assert any("differ only in whitespace" in w and "r1, r3" in w for w in out["warnings"])


def test_trivial_difference_on_long_answers_agrees_with_the_whole_text_rule() -> None:
    """The head check (first 64 characters) never decides otherwise than comparing the whole texts: heads
    with unequal amounts of punctuation, a difference only past the heads, casefolding (ß, ss)."""
    body = "the parcel left the depot on monday and should arrive within three working days " * 3
    cases = [
        ("..., !!! --- ??? ;;; ::: ,,, ... !!! " + body, body.upper()),  # punctuation fills a head
        (body + "Thanks.", body + "thanks!!"),
        (body + "Thanks.", body + "Thank you."),  # the words differ, past the heads
        ("Straße " + body, "STRASSE " + body),
        ("Strasse " + body, "Straße  " + body + "x"),
        ("", "..."),
    ]
    for a, b in cases:
        whole = a != b and lint._NOT_WORD.sub("", a).casefold() == lint._NOT_WORD.sub("", b).casefold()
        assert lint.trivially_different(a, b) is whole
        assert lint.trivially_different(b, a) is whole
    assert [lint.trivially_different(a, b) for a, b in cases] == [True, True, False, True, False, True]


def test_both_answers_refusals() -> None:
    recs = [_rec(1, "I'm sorry, but I can't help with that.", "I cannot help with that request."),
            _rec(2, "Jag kan tyvärr inte hjälpa till med det.", "Tyvärr kan jag inte svara på det."),
            _rec(3, "I'm sorry, I can't do that.", "Sure, here is how: first..."),
            _rec(4, "Here is a safer way to do it.", "As an AI, I won't answer.")]
    out = _report(recs)
    assert out["both_refusals"]["count"] == 2 and out["both_refusals"]["examples"] == ["r1", "r2"]
    assert not lint.is_refusal("Sorrento is a town in Italy.")


def test_prompt_that_ends_with_an_assistant_turn() -> None:
    ends_assistant = [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello!"}]
    out = _report([_rec(1, "a", "b", prompt=ends_assistant), _rec(2, "a", "b")])
    assert out["prompt_ends_with_assistant"]["count"] == 1
    assert out["prompt_ends_with_assistant"]["examples"] == ["r1"]
    assert any("prompt ends with an assistant turn" in w for w in out["warnings"])


def test_truncation_at_the_trainers_max_length_cuts_responses() -> None:
    recs = [_rec(1, "a", "b", n=90, nr=40), _rec(2, "a", "b", n=30, nr=70), _rec(3, "a", "b", n=30, nr=40)]
    assert _report(recs)["truncated"]["count"] == 0  # all within max_tokens (100)
    out = _report(recs, truncate_at=64)
    assert out["truncated"]["count"] == 2 and out["truncated"]["examples"] == ["r1", "r2"]
    assert out["truncated"]["truncate_at"] == 64


def test_clean_sample_gives_no_warning_and_stats_prints_the_lint() -> None:
    recs = [_rec(i, f"Answer {i} in full.", "No.", n=20 + i % 2 * -15, nr=10) for i in range(10)]
    out = _report(recs)
    assert out["warnings"] == []
    lines = lint.summary_lines(out)
    assert lines[0] == "preference lint over 10 pairs: chosen longer than rejected in 50.0%"
    assert "  both refusals: 0 (0.0%)" in lines
    assert callable(summary)
