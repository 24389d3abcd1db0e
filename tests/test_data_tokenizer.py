"""The built-in tiny tokenizer: loadable by transformers, ChatML template, deterministic, race-safe."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from data_fixtures import ROOT

from datasets_build.builtin_tokenizer import (
    BUILTIN_SPEC,
    SPECIAL_TOKENS,
    VOCAB_SIZE,
    count_tokens,
    ensure_tokenizer,
)

MSGS = [{"role": "user", "content": "Hej! Vad är Sveriges huvudstad? Ring <PHONE>."}]


def test_transformers_loads_it_with_chat_template_and_special_tokens() -> None:
    from transformers import AutoTokenizer

    tok = AutoTokenizer.from_pretrained(ensure_tokenizer())
    assert len(tok) == VOCAB_SIZE
    assert (tok.pad_token, tok.eos_token) == ("<|endoftext|>", "<|im_end|>")
    assert tok.convert_tokens_to_ids(list(SPECIAL_TOKENS)) == [0, 1, 2]
    text = tok.apply_chat_template(MSGS, tokenize=False, add_generation_prompt=True)
    assert text == "<|im_start|>user\nHej! Vad är Sveriges huvudstad? Ring <PHONE>.<|im_end|>\n<|im_start|>assistant\n"
    no_gen = tok.apply_chat_template(MSGS, tokenize=False)
    assert text.startswith(no_gen) and not no_gen.endswith("assistant\n")
    ids = tok(text, add_special_tokens=False)["input_ids"]
    assert ids[0] == 1 and 2 in ids  # <|im_start|> and <|im_end|> are single special tokens
    assert tok.decode(ids, skip_special_tokens=False) == text  # byte-level: lossless, å/ä/ö included
    # Trained on the project's own SV+EN text: common Swedish words are single tokens.
    assert len(tok(" hälsningar från kundtjänst", add_special_tokens=False)["input_ids"]) == 3


def test_count_tokens_matches_the_tokenizer() -> None:
    from transformers import AutoTokenizer

    tok = AutoTokenizer.from_pretrained(ensure_tokenizer())
    texts = ["Hej då", "The capital of Sweden is Stockholm.", ""]
    assert count_tokens(texts, BUILTIN_SPEC) == [len(tok(t, add_special_tokens=False)["input_ids"]) for t in texts]
    assert count_tokens(texts, str(ensure_tokenizer())) == count_tokens(texts, BUILTIN_SPEC)


def test_racing_builds_agree_and_match_the_shared_cache(tmp_path: Path) -> None:
    code = ("import sys; from pathlib import Path; from datasets_build.builtin_tokenizer import ensure_tokenizer;"
            "print(ensure_tokenizer(Path(sys.argv[1])))")
    procs = [subprocess.Popen([sys.executable, "-c", code, str(tmp_path)], cwd=ROOT, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for _ in range(2)]
    outs = [p.communicate(timeout=300) for p in procs]
    assert all(p.returncode == 0 for p in procs), outs
    paths = {o.strip() for o, _ in outs}
    assert len(paths) == 1
    built = Path(paths.pop())
    assert sorted(p.name for p in tmp_path.iterdir()) == [built.name]  # no temporary dirs left behind
    shared = ensure_tokenizer()
    assert built.name == shared.name
    # Deterministic training: an independent build is byte-identical to the shared one.
    assert (built / "tokenizer.json").read_bytes() == (shared / "tokenizer.json").read_bytes()
