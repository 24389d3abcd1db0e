"""The rm: and lm: judges on tiny randomly initialised models built here, checked against unbatched
forwards; the golden judge on a hand-made pair; SPEC and config errors named."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from trainer.evaluation.ab import judge_prompts
from trainer.evaluation.ab.judges import JudgeItem, JudgeOptions, load_options, make_judge

ITEMS = [JudgeItem("How do I reset my password?", "Open settings and choose reset.", "no.", "en"),
         JudgeItem("Hur återställer jag mitt lösenord?", "nej.", "Öppna inställningar och välj återställ.", "sv"),
         JudgeItem("What is the capital of Sweden?", "Stockholm is the capital of Sweden, on the east coast.",
                   "Stockholm", "en")]


def _tiny(tmp: Path, kind: str) -> Path:
    import torch
    from transformers import Qwen2Config, Qwen2ForCausalLM, Qwen2ForSequenceClassification

    from trainer import builtin

    tok = builtin.load_tokenizer("builtin:tiny-qwen2")
    cfg = Qwen2Config(vocab_size=len(tok), hidden_size=32, intermediate_size=64, num_hidden_layers=2,
                      num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=1024,
                      pad_token_id=tok.pad_token_id, num_labels=1)
    torch.manual_seed(7)
    model = (Qwen2ForSequenceClassification if kind == "rm" else Qwen2ForCausalLM)(cfg)
    out = tmp / kind
    model.save_pretrained(out)
    tok.save_pretrained(out)
    return out


@pytest.fixture(scope="module")
def models(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    tmp = tmp_path_factory.mktemp("judges")
    return {"rm": _tiny(tmp, "rm"), "lm": _tiny(tmp, "lm")}


def test_rm_judge_prefers_the_higher_reward_as_an_unbatched_forward_computes_it(models: dict[str, Path]) -> None:
    import torch
    from transformers import AutoModelForSequenceClassification

    judge: Any = make_judge(f"rm:{models['rm']}", JudgeOptions())
    verdicts = judge.judge(ITEMS)
    ref = AutoModelForSequenceClassification.from_pretrained(models["rm"]).eval()

    def reward(prompt: str, answer: str) -> float:
        ids = judge._ids(prompt, answer)
        with torch.no_grad():
            return float(ref(input_ids=torch.tensor([ids])).logits[0, 0])

    for it, v in zip(ITEMS, verdicts, strict=True):
        r1, r2 = reward(it.prompt, it.first), reward(it.prompt, it.second)
        assert v.detail["score_first"] == pytest.approx(r1, abs=1e-4)
        assert v.detail["score_second"] == pytest.approx(r2, abs=1e-4)
        assert v.preference() == (1 if r1 > r2 else -1)
    # Both orders: the same rewards, mirrored probabilities.
    swapped = judge.judge([JudgeItem(it.prompt, it.second, it.first, it.lang) for it in ITEMS])
    for v, s in zip(verdicts, swapped, strict=True):
        assert v.p_first + s.p_first == pytest.approx(1.0)


def test_lm_judge_reads_the_letter_logits_in_the_prompts_language(models: dict[str, Path]) -> None:
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    judge: Any = make_judge(f"lm:{models['lm']}", JudgeOptions(max_batch_tokens=4096))
    verdicts = judge.judge(ITEMS)
    ref = AutoModelForCausalLM.from_pretrained(models["lm"]).eval()
    tok = AutoTokenizer.from_pretrained(models["lm"])
    a_id, b_id = tok.encode("A", add_special_tokens=False)[0], tok.encode("B", add_special_tokens=False)[0]
    for it, v in zip(ITEMS, verdicts, strict=True):
        ids = judge.prompt_ids(it)
        assert tok.decode(ids).count("Svar A:" if it.lang == "sv" else "Answer A:") == 1
        with torch.no_grad():
            last = ref(input_ids=torch.tensor([ids])).logits[0, -1].float()
        p = float(torch.softmax(last[[a_id, b_id]], dim=-1)[0])
        assert v.p_first == pytest.approx(p, abs=1e-4)   # batched with left padding = alone


def test_lm_judge_takes_a_user_prompt_file_and_refuses_one_without_placeholders(models: dict[str, Path],
                                                                               tmp_path: Path) -> None:
    good = tmp_path / "sv.txt"
    good.write_text("Fråga: {question}\nA: {answer_a}\nB: {answer_b}\nA eller B?", encoding="utf-8")
    judge: Any = make_judge(f"lm:{models['lm']}", JudgeOptions(prompts={"sv": str(good)}))
    assert "A eller B?" in judge.tok.decode(judge.prompt_ids(ITEMS[1]))
    assert judge.cache_id != make_judge(f"lm:{models['lm']}", JudgeOptions()).cache_id
    bad = tmp_path / "en.txt"
    bad.write_text("Which is better? {question}", encoding="utf-8")
    with pytest.raises(ValueError, match=r"judge.prompts.en: .*en.txt lacks \{answer_a\}, \{answer_b\}"):
        judge_prompts.load_templates({"en": str(bad)})


def test_verdict_cache_identity_follows_the_judge_files_not_its_path(models: dict[str, Path], tmp_path: Path) -> None:
    """A judge retrained at the same path must not reuse the old judge's cached verdicts; the same files
    under another path may."""
    import shutil

    import torch
    from transformers import AutoModelForSequenceClassification

    first: Any = make_judge(f"rm:{models['rm']}", JudgeOptions())
    copy = tmp_path / "copied-rm"
    shutil.copytree(models["rm"], copy)
    assert make_judge(f"rm:{copy}", JudgeOptions()).cache_id == first.cache_id
    retrained = AutoModelForSequenceClassification.from_pretrained(copy)
    with torch.no_grad():
        retrained.score.weight.add_(0.5)
    retrained.save_pretrained(copy)
    assert make_judge(f"rm:{copy}", JudgeOptions()).cache_id != first.cache_id
    lm: Any = make_judge(f"lm:{models['lm']}", JudgeOptions())
    assert lm.cache_id.startswith("lm:sha256:") and "prompts-" in lm.cache_id


def test_golden_judge_prefers_the_answer_closer_to_chosen() -> None:
    judge = make_judge("golden", JudgeOptions())
    chosen, rejected = "Open the settings page and choose reset password.", "No."
    v = judge.judge([JudgeItem("q", "Open the settings page and reset it.", "No, I will not.", "en", chosen, rejected),
                     JudgeItem("q", "same", "same", "en", chosen, rejected),
                     JudgeItem("q", "a", "b", "en")])
    assert v[0].preference() == 1 and v[1].preference() == 0
    assert v[2].p_first is None and "chosen and rejected" in (v[2].error or "")


@pytest.mark.parametrize(("spec", "match"), [("gpt4", "expected one of golden"), ("rm:", "expected one of"),
                                             ("xx:model", "expected one of")])
def test_bad_judge_spec_is_named(spec: str, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        make_judge(spec, JudgeOptions())


def test_judge_config_unknown_key_and_bad_value_are_named(tmp_path: Path) -> None:
    cfg = tmp_path / "judge.yaml"
    cfg.write_text("judge:\n  spec: golden\n  timeout: 3\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"judge.yaml: unknown key\(s\) timeout"):
        load_options(str(cfg), {})
    cfg.write_text("judge:\n  concurrency: 0\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"judge.concurrency: must be >= 1, got 0"):
        load_options(str(cfg), {})
    assert load_options(str(cfg), {"concurrency": 3}).concurrency == 3   # the flag wins over the file
