"""`http:URL`: any OpenAI-compatible chat-completions server (vLLM, llama.cpp server, Ollama) as judge.

Timeouts, retries with backoff (on a timeout, a refused connection, 429 and 5xx), at most `concurrency`
requests in flight. The key comes from an environment variable at start and is only ever sent in the
Authorization header: the judge's label, cache id and errors never hold it. A reply that is not a
single A or B is an error for that pair, counted in the report; nothing here raises per pair.
"""

from __future__ import annotations

import json
import math
import os
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from trainer.evaluation.ab import judge_prompts
from trainer.evaluation.ab.judges import JudgeItem, JudgeOptions, Progress, Verdict

MAX_REPLY_BYTES = 1 << 20


class _Retryable(Exception):
    pass


def endpoint(target: str) -> str:
    url = target if target.startswith(("http://", "https://")) else f"http://{target}"
    return url if url.rstrip("/").endswith("/chat/completions") else url.rstrip("/") + "/chat/completions"


def parse_reply(body: bytes) -> float:
    """p(first better) from a chat-completions reply, or ValueError saying what was wrong with it."""
    try:
        data = json.loads(body.decode("utf-8"))
        choice = data["choices"][0]
        content = choice["message"]["content"]
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise ValueError(f"reply is not JSON: {body[:80]!r}") from None
    except (KeyError, IndexError, TypeError):
        raise ValueError(f"reply has no choices[0].message.content: {body[:80]!r}") from None
    top = (((choice.get("logprobs") or {}).get("content") or [{}])[0] or {}).get("top_logprobs") or []
    lp = {str(t.get("token", "")).strip(): t.get("logprob") for t in top if isinstance(t, dict)}
    la, lb = lp.get("A"), lp.get("B")
    if isinstance(la, int | float) and isinstance(lb, int | float):
        return 1.0 / (1.0 + math.exp(lb - la))
    text = str(content).strip().strip("*[]().:").strip()
    if text in judge_prompts.LABELS:
        return 1.0 if text == "A" else 0.0
    raise ValueError(f"reply is neither A nor B: {str(content)[:60]!r}")


class HttpJudge:
    kind = "http"
    note = "an OpenAI-compatible chat server asked which answer is better (temperature 0, one letter)"

    def __init__(self, target: str, opts: JudgeOptions) -> None:
        if not opts.model:
            raise ValueError(f"--judge http:{target}: name the served model (--judge-model NAME or judge.model)")
        self.url = endpoint(target)
        self.opts = opts
        self.templates = judge_prompts.load_templates(opts.prompts)
        self.label = f"http:{self.url} model {opts.model}"
        self.cache_id = f"http:{self.url}:{opts.model}:prompts-{judge_prompts.digest(self.templates)}"
        self._key = os.environ.get(opts.api_key_env) or None
        self.key_note = (f"API key from ${opts.api_key_env}" if self._key else f"no API key (${opts.api_key_env} unset)")

    def _request(self, prompt: str) -> bytes:
        body = json.dumps({"model": self.opts.model, "messages": [{"role": "user", "content": prompt}],
                           "temperature": 0, "max_tokens": 4}).encode()
        headers = {"Content-Type": "application/json"}
        if self._key:
            headers["Authorization"] = f"Bearer {self._key}"
        req = urllib.request.Request(self.url, data=body, headers=headers, method="POST")
        try:
            with urllib.request.urlopen(req, timeout=self.opts.timeout_s) as resp:
                return bytes(resp.read(MAX_REPLY_BYTES))
        except urllib.error.HTTPError as e:
            if e.code == 429 or e.code >= 500:
                raise _Retryable(f"HTTP {e.code}") from None
            hint = f" (check ${self.opts.api_key_env})" if e.code in (401, 403) else ""
            raise ValueError(f"HTTP {e.code} {e.reason}{hint}") from None
        except TimeoutError:
            raise _Retryable(f"timed out after {self.opts.timeout_s:g} s") from None
        except (urllib.error.URLError, ConnectionError, OSError) as e:
            reason = getattr(e, "reason", e)
            if isinstance(reason, TimeoutError):
                raise _Retryable(f"timed out after {self.opts.timeout_s:g} s") from None
            raise _Retryable(f"connection failed: {reason}") from None

    def judge_one(self, it: JudgeItem) -> Verdict:
        prompt = judge_prompts.render(self.templates, it.lang, it.prompt, it.first, it.second)
        attempts = self.opts.retries + 1
        last = ""
        for attempt in range(attempts):
            try:
                body = self._request(prompt)
            except _Retryable as e:
                last = str(e)
                if attempt + 1 < attempts:
                    time.sleep(self.opts.backoff_s * (2 ** attempt))
                continue
            except ValueError as e:
                return Verdict(None, f"{self.url}: {e}", detail={"attempts": attempt + 1})
            try:
                return Verdict(parse_reply(body), detail={"attempts": attempt + 1})
            except ValueError as e:
                return Verdict(None, f"{self.url}: {e}", detail={"attempts": attempt + 1})
        return Verdict(None, f"{self.url}: {last} ({attempts} attempts)", detail={"attempts": attempts})

    def judge(self, items: list[JudgeItem], progress: Progress | None = None) -> list[Verdict]:
        out: list[Any] = [None] * len(items)
        done = 0
        with ThreadPoolExecutor(max_workers=self.opts.concurrency, thread_name_prefix="judge-http") as pool:
            futures = {pool.submit(self.judge_one, it): i for i, it in enumerate(items)}
            from concurrent.futures import as_completed

            for fut in as_completed(futures):
                out[futures[fut]] = fut.result()
                done += 1
                if progress:
                    progress(done, len(items))
        return out
