"""`lm:PATH_OR_ID`: a local instruction model as pairwise judge, the verdict read from the logits of the
answer letters at the first reply position (never parsed from free text).

p(first better) = softmax over the two letters' logits. The judging prompt is in the prompt's language.
"""

from __future__ import annotations

from trainer.evaluation.ab import judge_models, judge_prompts
from trainer.evaluation.ab.judges import JudgeItem, JudgeOptions, Progress, Verdict
from trainer.evaluation.logprobs import plan_batches


class LogitJudge:
    kind = "lm"
    note = ("a local language model asked which answer is better; the verdict is the softmax of its logits "
            "for the letters A and B at the first reply token")

    def __init__(self, target: str, opts: JudgeOptions) -> None:
        import torch
        from transformers import AutoModelForCausalLM

        self.templates = judge_prompts.load_templates(opts.prompts)
        self.label = f"lm:{target}"
        self.opts = opts
        self.tok = judge_models.load_tokenizer(target)
        self.label_ids = [self._label_id(x) for x in judge_prompts.LABELS]
        if self.label_ids[0] == self.label_ids[1]:
            raise ValueError(f"--judge lm:{target}: its tokenizer gives A and B the same token "
                             f"({self.label_ids[0]}); the verdict cannot be read from logits")
        try:
            self.model = AutoModelForCausalLM.from_pretrained(target)
        except (OSError, ValueError) as e:
            raise ValueError(f"--judge lm:{target}: cannot load a causal language model ({e})") from None
        self.cache_id = (f"lm:{judge_models.identity(target, self.model)}:"
                         f"prompts-{judge_prompts.digest(self.templates)}")
        self.device = torch.device(opts.device)
        self.model.to(self.device).eval()

    def _label_id(self, label: str) -> int:
        ids = self.tok.encode(label, add_special_tokens=False)
        if not ids or ids[0] == self.tok.unk_token_id:
            raise ValueError(f"--judge {self.label}: its tokenizer has no token for the answer letter {label!r}")
        return int(ids[0])

    def prompt_ids(self, it: JudgeItem) -> list[int]:
        text = judge_prompts.render(self.templates, it.lang, it.prompt, it.first, it.second)
        return judge_models.chat_text(self.tok, [{"role": "user", "content": text}], True)

    def judge(self, items: list[JudgeItem], progress: Progress | None = None) -> list[Verdict]:
        import torch

        seqs = [self.prompt_ids(it) for it in items]
        out: list[Verdict | None] = [None] * len(items)
        done = 0
        for batch in plan_batches([len(s) for s in seqs], self.opts.max_batch_tokens):
            # Left padding: the last column is every row's first reply position.
            ids, mask, pos = judge_models.padded([seqs[i] for i in batch], self.tok.pad_token_id, self.device, True)
            with torch.no_grad():
                logits = self.model(input_ids=ids, attention_mask=mask, position_ids=pos).logits[:, -1].float()
            two = logits[:, self.label_ids]
            p = torch.softmax(two, dim=-1)[:, 0].cpu().tolist()
            for i, pf, (la, lb) in zip(batch, p, two.cpu().tolist(), strict=True):
                out[i] = Verdict(0.5 if la == lb else float(pf), detail={"logit_a": la, "logit_b": lb})
            done += len(batch)
            if progress:
                progress(done, len(items))
        return [v for v in out if v is not None]
