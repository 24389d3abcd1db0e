"""The fast token counter gives exactly the tokenizer's own counts (it replaces encode_batch in the build)."""

from __future__ import annotations

import json

from data_fixtures import HH_SAMPLE

from datasets_build import pii
from datasets_build.builtin_tokenizer import load_fast_tokenizer
from datasets_build.synthetic import generate
from datasets_build.token_count import TokenCounter

EDGE_CASES = [
    "", "   ", "x\u00a0y", "a  \t\n\n b", "don't I'LL 'S 're", "x\u2003y\u3000z", "e\u0301 é", "①②³ ½ Ⅻ",
    "\x1c\x1d\x1e control", "😀 emoji 🇸🇪", "tab\tend\t", "<|im_start|><|im_end|>", "a<|im_end", "<|im_end|>x",
    "CRLF\r\nline\r\n\r\n", "1234567890 1,5 kr", "Ärende 123456 ÅÄÖ åäö", "\ufeffBOM", "trailing   ",
    "it'ſ åäö", "IT'S I'M WE'LL x'D", "snake_case __init__ <CASE_ID>_x", "٣ arabic-indic ३ digits", "ｆｕｌｌ１２",
]


def _reference(tok, texts: list[str]) -> list[int]:
    return [len(e) for e in tok.encode_batch(texts, add_special_tokens=False)]


def test_counts_equal_the_tokenizer_on_demo_real_and_odd_texts() -> None:
    tok = load_fast_tokenizer("builtin:tiny-qwen2")
    counter = TokenCounter(tok)
    assert counter.fast
    texts = list(EDGE_CASES)
    for p in generate("sv", 300, 21) + generate("en", 300, 21):
        texts += ["<|im_start|>user\n" + pii.mask(p["prompt"][0]["content"])[0] + "<|im_end|>\n",
                  p["chosen"] + "<|im_end|>\n", p["rejected"]]
    with open(HH_SAMPLE, encoding="utf-8") as fh:
        for line in list(fh)[:400]:
            obj = json.loads(line)
            texts += [obj["chosen"], obj["rejected"]]
    expected = _reference(tok, texts)
    assert counter.counts(texts) == expected
    assert counter.counts(texts) == expected  # and again from a warm cache
    assert counter.counts([]) == []
    # Without the faster `re` split, everything goes through the `regex` split: the same counts.
    slow = TokenCounter(tok)
    slow.split_re = None
    assert slow.counts(texts) == expected


def test_a_tokenizer_it_does_not_understand_goes_through_the_tokenizer() -> None:
    from tokenizers import Tokenizer, models, pre_tokenizers

    tok = Tokenizer(models.WordLevel({"hej": 0, "du": 1, "[UNK]": 2}, unk_token="[UNK]"))
    tok.pre_tokenizer = pre_tokenizers.Whitespace()
    counter = TokenCounter(tok)
    assert not counter.fast
    texts = ["hej du", "hej, du där!", ""]
    assert counter.counts(texts) == _reference(tok, texts) == [2, 5, 0]


def test_line_and_word_memos_add_up_exactly_on_random_texts() -> None:
    """Texts are counted line by line and word by word (memoised, cut before each space + letter); random
    mixes of newlines, spaces, punctuation, letters, digits and odd whitespace must still give the
    tokenizer's counts."""
    import random

    tok = load_fast_tokenizer("builtin:tiny-qwen2")
    counter = TokenCounter(tok)
    rng = random.Random(7)
    alphabet = ["\n", "\n", "\r\n", " ", "  ", "\t", "\u00a0", ".", "!?", "-", "'s", "Hej", "du", "å", "ÅÄÖ", "12",
                "3", "e\u0301", "<", ">", "_", "\u2003", "x"]
    texts = ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 40))) for _ in range(3000)]
    texts += [t + "\n" + t for t in texts[:500]]  # repeated lines hit the memo
    expected = _reference(tok, texts)
    assert counter.counts(texts) == expected
    assert counter.line_cache and counter.word_cache  # the memos were used
    assert counter.counts(texts) == expected
