"""The one small interface every A/B judge implements, and the SPEC string that picks one.

A judge sees (prompt, first answer, second answer) and says how likely the first is the better one.
It never knows which answer is the tuned model's: the runner asks in both orders (see swap.py).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

Progress = Callable[[int, int], None]
TIE_EPS = 1e-9


@dataclass(frozen=True, slots=True)
class JudgeItem:
    prompt: str
    first: str
    second: str
    lang: str = "en"
    chosen: str | None = None    # the pair's reference answers (golden judge only)
    rejected: str | None = None


@dataclass(slots=True)
class Verdict:
    """p_first: probability that the first answer is better (0.5: a tie); None when the judge failed."""

    p_first: float | None
    error: str | None = None
    detail: dict[str, Any] = field(default_factory=dict)

    def preference(self) -> int:
        """+1 first, -1 second, 0 tie (the judge could not separate them)."""
        if self.p_first is None:
            raise ValueError("a failed verdict has no preference")
        if self.p_first > 0.5 + TIE_EPS:
            return 1
        if self.p_first < 0.5 - TIE_EPS:
            return -1
        return 0


class Judge(Protocol):
    kind: str        # rm | lm | http | golden
    label: str       # what the report shows; never holds a secret
    cache_id: str    # identity of the judge for the verdict cache (model, prompts, settings)
    note: str        # one line on what its verdicts mean

    def judge(self, items: list[JudgeItem], progress: Progress | None = None) -> list[Verdict]:
        """One verdict per item, in order; a failure is a Verdict with `error`, never an exception."""
        ...


@dataclass
class JudgeOptions:
    """The judge's config block (`--judge-config FILE.yaml`, or the --judge-* flags)."""

    model: str | None = None          # http: the served model name
    timeout_s: float = 60.0           # http: per request
    retries: int = 2                  # http: extra attempts after a timeout, a refused connection, 429 or 5xx
    concurrency: int = 4              # http: requests in flight at most
    api_key_env: str = "OPENAI_API_KEY"   # http: the key is read from this variable, never written anywhere
    backoff_s: float = 0.5            # http: first retry delay, doubled each time
    prompts: dict[str, str] = field(default_factory=dict)  # lm/http: {lang: template file} overrides
    max_batch_tokens: int = 4096      # rm/lm: padded tokens per forward
    device: str = "cpu"               # rm/lm: where the judge model runs

    def __post_init__(self) -> None:
        checks = (("timeout_s", self.timeout_s > 0, "> 0"), ("retries", self.retries >= 0, ">= 0"),
                  ("concurrency", self.concurrency >= 1, ">= 1"), ("backoff_s", self.backoff_s >= 0, ">= 0"),
                  ("max_batch_tokens", self.max_batch_tokens >= 16, ">= 16"),
                  ("device", self.device in ("cpu", "cuda", "mps"), "one of cpu, cuda, mps"))
        for name, ok, allowed in checks:
            if not ok:
                raise ValueError(f"judge.{name}: must be {allowed}, got {getattr(self, name)!r}")
        if not isinstance(self.prompts, dict) or not all(isinstance(v, str) for v in self.prompts.values()):
            raise ValueError("judge.prompts: must map a language code to a template file path")


def load_options(path: str | None, overrides: dict[str, Any]) -> JudgeOptions:
    """The YAML block (unknown keys are errors naming the key and file), then the CLI flags on top."""
    import dataclasses

    import yaml

    data: dict[str, Any] = {}
    if path:
        try:
            with open(path, encoding="utf-8") as f:
                loaded = yaml.safe_load(f)
        except OSError as e:
            raise ValueError(f"--judge-config {path}: {e.strerror}") from None
        except (yaml.YAMLError, UnicodeDecodeError) as e:
            raise ValueError(f"--judge-config {path}: not a YAML file ({e})") from None
        loaded = loaded or {}
        if not isinstance(loaded, dict):
            raise ValueError(f"--judge-config {path}: expected a mapping of judge settings")
        data = dict(loaded.get("judge", loaded)) if isinstance(loaded.get("judge", loaded), dict) else {}
        known = {f.name for f in dataclasses.fields(JudgeOptions)} | {"spec"}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ValueError(f"--judge-config {path}: unknown key(s) {', '.join(unknown)} "
                             f"(known: {', '.join(sorted(known))})")
    data.update({k: v for k, v in overrides.items() if v is not None})
    data.pop("spec", None)
    try:
        return JudgeOptions(**data)
    except TypeError as e:
        raise ValueError(f"judge settings: {e}") from None


def config_spec(path: str | None) -> str | None:
    """`spec:` from the judge config file, used when --judge is not given."""
    if not path:
        return None
    import yaml

    try:
        with open(path, encoding="utf-8") as f:
            loaded = yaml.safe_load(f) or {}
    except (OSError, yaml.YAMLError, UnicodeDecodeError):
        return None  # load_options reports the problem with the file named
    block = loaded.get("judge", loaded) if isinstance(loaded, dict) else {}
    spec = block.get("spec") if isinstance(block, dict) else None
    return str(spec) if spec else None


KINDS = ("golden", "rm:PATH_OR_ID", "lm:PATH_OR_ID", "http:URL")


def check_spec(spec: str) -> tuple[str, str]:
    """(kind, target) of a SPEC, or a ValueError saying what is allowed (checked before any model loads)."""
    if spec == "golden":
        return "golden", ""
    kind, sep, target = spec.partition(":")
    if not sep or kind not in ("rm", "lm", "http") or not target:
        raise ValueError(f"--judge {spec!r}: expected one of {', '.join(KINDS)}")
    return kind, target


def make_judge(spec: str, opts: JudgeOptions) -> Judge:
    """The judge a SPEC names. Models load here, so call it after the cheap checks."""
    kind, target = check_spec(spec)
    if kind == "golden":
        from trainer.evaluation.ab.judge_golden import GoldenJudge

        return GoldenJudge()
    if kind == "rm":
        from trainer.evaluation.ab.judge_rm import RewardModelJudge

        return RewardModelJudge(target, opts)
    if kind == "lm":
        from trainer.evaluation.ab.judge_lm import LogitJudge

        return LogitJudge(target, opts)
    from trainer.evaluation.ab.judge_http import HttpJudge

    return HttpJudge(target, opts)
