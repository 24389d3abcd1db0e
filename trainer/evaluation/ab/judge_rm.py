"""`rm:PATH_OR_ID`: a reward model (AutoModelForSequenceClassification) scores each answer; higher wins.

Bradley–Terry: p(first better) = σ(score_first − score_second). Each distinct answer is scored once,
so judging both orders costs one forward per answer.
"""

from __future__ import annotations

import math

from trainer.evaluation.ab import judge_models
from trainer.evaluation.ab.judges import JudgeItem, JudgeOptions, Progress, Verdict
from trainer.evaluation.logprobs import plan_batches


class RewardModelJudge:
    kind = "rm"
    note = "a reward model scores each answer on its own; the higher score wins (σ of the score difference)"

    def __init__(self, target: str, opts: JudgeOptions) -> None:
        import torch
        from transformers import AutoModelForSequenceClassification

        self.label = f"rm:{target}"
        self.opts = opts
        self.tok = judge_models.load_tokenizer(target)
        try:
            self.model = AutoModelForSequenceClassification.from_pretrained(target)
        except (OSError, ValueError) as e:
            raise ValueError(f"--judge rm:{target}: cannot load a sequence-classification model ({e})") from None
        if self.model.config.num_labels != 1:
            raise ValueError(f"--judge rm:{target}: a reward model has one output, this one has "
                             f"{self.model.config.num_labels} labels")
        if self.model.config.pad_token_id is None:
            self.model.config.pad_token_id = self.tok.pad_token_id
        self.cache_id = f"rm:{judge_models.identity(target, self.model)}"
        self.device = torch.device(opts.device)
        self.model.to(self.device).eval()
        self._scores: dict[tuple[str, str], float] = {}

    def _ids(self, prompt: str, answer: str) -> list[int]:
        return judge_models.chat_text(self.tok, [{"role": "user", "content": prompt},
                                                 {"role": "assistant", "content": answer}], False)

    def score(self, texts: list[tuple[str, str]]) -> list[float]:
        """Reward of each (prompt, answer), batched by length, right-padded (the head reads the last real token)."""
        import torch

        todo = sorted({t for t in texts if t not in self._scores})
        seqs = [self._ids(p, a) for p, a in todo]
        for batch in plan_batches([len(s) for s in seqs], self.opts.max_batch_tokens):
            ids, mask, pos = judge_models.padded([seqs[i] for i in batch], self.tok.pad_token_id, self.device, False)
            with torch.no_grad():
                out = self.model(input_ids=ids, attention_mask=mask, position_ids=pos).logits[:, 0]
            for i, v in zip(batch, out.float().cpu().tolist(), strict=True):
                self._scores[todo[i]] = float(v)
        return [self._scores[t] for t in texts]

    def judge(self, items: list[JudgeItem], progress: Progress | None = None) -> list[Verdict]:
        firsts = self.score([(it.prompt, it.first) for it in items])
        seconds = self.score([(it.prompt, it.second) for it in items])
        if progress:
            progress(len(items), len(items))
        out = []
        for s1, s2 in zip(firsts, seconds, strict=True):
            d = max(-50.0, min(50.0, s1 - s2))
            out.append(Verdict(1.0 / (1.0 + math.exp(-d)) if s1 != s2 else 0.5,
                               detail={"score_first": s1, "score_second": s2}))
        return out

