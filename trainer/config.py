"""The training config: typed sections, validated on load, YAML in and out, TOML export.

Light module: imported by the console too, so nothing here may import torch & co.
Every field carries its help text and its allowed values; the error text of a bad
value names the field and what is allowed, and is what the console shows beside it.
"""

from __future__ import annotations

import dataclasses
import io
import math
import re
import types
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from trainer import liger, reporting
from trainer import loss_table as lt

LOSS_TYPES = lt.NAMES
DEVICES = ("auto", "cpu", "cuda", "mps")
PRECISIONS = ("auto", "fp32", "bf16", "fp16")
SCHEDULERS = ("linear", "cosine", "constant", "constant_with_warmup")
LORA_BIAS = ("none", "all", "lora_only")
ATTN_IMPLEMENTATIONS = ("auto", "eager", "sdpa")
DIST_BACKENDS = ("auto", "nccl", "gloo")


def _f(default: Any, help: str, *, choices: tuple[str, ...] | None = None, min: float | None = None,
       max: float | None = None, min_exclusive: bool = False, max_exclusive: bool = False,
       check: Any = None) -> Any:
    """A dataclass field with the metadata the validator, the CLI and the console form read.

    `check(path, value) -> (value, message or None)` replaces the generic leaf check for a field
    whose shape the generic one cannot judge (a loss name or a list of them).
    """
    meta = {"help": help, "choices": choices, "min": min, "max": max,
            "min_exclusive": min_exclusive, "max_exclusive": max_exclusive, "check": check}
    if isinstance(default, list):
        return field(default_factory=lambda: list(default), metadata=meta)
    return field(default=default, metadata=meta)


@dataclass
class ModelConfig:
    name_or_path: str = _f("builtin:tiny-qwen2", "Hub id, local path, or builtin:tiny-qwen2 (built locally, no network)")
    revision: str | None = _f(None, "Hub revision (branch, tag or commit) to pin")
    trust_remote_code: bool = _f(False, "Allow model code from the hub (leave off unless the model needs it)")
    attn_implementation: str = _f("auto", "Attention kernel", choices=ATTN_IMPLEMENTATIONS)


@dataclass
class DataConfig:
    path: str = _f("outputs/data/demo/splits/v1", "Directory holding the split JSONL files (prompt/chosen/rejected)")
    recipe: str | None = _f("configs/data_demo.yaml",
                            "Dataset recipe that builds `path` when it is missing (null: never build)")
    train_file: str = _f("train.jsonl", "Training split file inside `path`")
    eval_file: str | None = _f("val.jsonl", "Validation split file inside `path` (null: no evaluation)")
    max_train_samples: int | None = _f(None, "Use only the first N training pairs (null: all)", min=1)


@dataclass
class LoraConfig:
    r: int = _f(16, "LoRA rank", min=1, max=1024)
    alpha: int = _f(32, "LoRA alpha (scaling = alpha / r)", min=1)
    dropout: float = _f(0.05, "Dropout on the LoRA path", min=0.0, max=1.0, max_exclusive=True)
    target_modules: list[str] = _f(["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"],  # noqa: RUF009
                                   "Module names that get adapters")
    bias: str = _f("none", "Which biases to train", choices=LORA_BIAS)


@dataclass
class DpoConfig:
    # Which of these each loss reads, and its own ranges, is trainer/loss_table.py's data.
    loss_type: str | list[str] = _f("sigmoid", lt.loss_type_help(), choices=LOSS_TYPES,  # noqa: RUF009
                                    check=lt.check_loss_type)
    loss_weights: list[float] | None = _f(  # noqa: RUF009
        None, "One weight per loss_type entry for a multi-loss, e.g. [0.8, 0.2, 1.0] for MPO (null: all 1.0)",
        check=lt.check_loss_weights)
    beta: float = _f(0.1, lt.help_for(lt.BETA, "Strength of the pull towards the reference model, the "
                                               "adapter-disabled base"), min=0.0, min_exclusive=True, max=10.0)
    label_smoothing: float = _f(0.0, lt.help_for(lt.LABEL_SMOOTHING, "Share of preference labels taken as flipped "
                                                 "(robust, aot) or EXO's epsilon (exo_pair: required > 0, paper: "
                                                 "1e-3)"), min=0.0, max=0.5, max_exclusive=True)
    discopop_tau: float = _f(0.05, lt.help_for(lt.DISCOPOP_TAU, "DiscoPOP temperature of the log-ratio "
                                               "modulation (paper: 0.05)"), min=0.0, min_exclusive=True)
    ld_alpha: float | None = _f(None, lt.help_for(lt.LD_ALPHA, "LD-DPO: weight of the tokens past the shorter "
                                                  "response's length (1: no down-weighting, 0: masked; null: off)"),
                                min=0.0, max=1.0)
    use_weighting: bool = _f(False, lt.help_for(lt.USE_WEIGHTING, "WPO: weight each pair by the policy's "
                                                "length-normalised probabilities of both responses"))
    f_divergence_type: str = _f("reverse_kl", lt.help_for(lt.F_DIVERGENCE, "f-DPO: divergence regularising policy "
                                                          "against reference (reverse_kl is standard DPO)"),
                                choices=lt.F_DIVERGENCES)
    f_alpha_divergence_coef: float = _f(0.5, "alpha of the alpha-divergence (only with f_divergence_type "
                                             "alpha_divergence)")
    max_length: int = _f(1024, "Truncate prompt+response to this many tokens", min=16, max=131072)
    precompute_ref_log_probs: bool = _f(False, "Compute reference log-probs once before training (saves a forward per step)")


@dataclass
class TrainingConfig:
    max_steps: int = _f(60, "Optimizer steps to train", min=1, max=10_000_000)
    learning_rate: float = _f(5e-6, "Peak learning rate", min=0.0, min_exclusive=True, max=1.0)
    lr_scheduler: str = _f("linear", "Learning-rate schedule after warmup", choices=SCHEDULERS)
    warmup_ratio: float = _f(0.0, "Share of max_steps spent warming up", min=0.0, max=1.0)
    per_device_batch_size: int = _f(1, "Pairs per forward pass", min=1, max=4096)
    gradient_accumulation_steps: int = _f(1, "Forward passes per optimizer step", min=1, max=4096)
    gradient_checkpointing: bool = _f(False, "Recompute activations in backward (less memory, ~30% slower)")
    use_cache: bool = _f(False, "KV cache during training (must be off with gradient checkpointing)")
    group_by_length: bool = _f(True, "Batch pairs of similar length together (less padding)")
    max_grad_norm: float = _f(1.0, "Gradient clipping norm", min=0.0)
    weight_decay: float = _f(0.0, "AdamW weight decay", min=0.0, max=1.0)
    logging_steps: int = _f(1, "Log (and emit a step event) every N optimizer steps", min=1)
    eval_every_steps: int = _f(0, "Evaluate on the validation split every N steps (0: never)", min=0)
    dataloader_num_workers: int = _f(0, "Data-loading worker processes", min=0, max=64)
    report_to: str = _f("none", "Also send metrics to this tracker through TRL's own integration (an optional extra)",
                        choices=reporting.REPORT_TO)


@dataclass
class DeviceConfig:
    device: str = _f("auto", "auto picks mps, then cuda, then cpu", choices=DEVICES)
    precision: str = _f("auto", "auto: fp32 on cpu and mps, bf16 on cuda where supported", choices=PRECISIONS)
    num_threads: int | None = _f(None, "torch CPU threads (null: torch's default)", min=1, max=1024)
    mps_high_watermark_ratio: float | None = _f(
        None, "MPS: PYTORCH_MPS_HIGH_WATERMARK_RATIO, the share of unified memory torch may take (null: torch's "
        "1.7; 0.0: no limit, risks swapping the whole Mac)", min=0.0, max=2.0)
    mps_empty_cache_every_steps: int = _f(
        0, "MPS: call torch.mps.empty_cache() every N optimizer steps (0: never); caps the growth that "
        "varying sequence lengths cause", min=0)
    use_liger_kernel: bool = _f(False, "CUDA: Liger's Triton kernels for RMSNorm, RoPE and SwiGLU (needs liger-kernel, "
                                       "a single loss_type, no precompute_ref_log_probs, no LoRA on lm_head)")


@dataclass
class DistributedConfig:
    num_processes: int = _f(1, "Data-parallel processes (1: one process, no launcher); >1 starts the ranks through "
                               "`accelerate launch` (torchrun), rank 0 owning the socket and events", min=1, max=4096)
    accelerate_config: str | None = _f(None, "An accelerate config YAML (DeepSpeed ZeRO, FSDP2, several machines) "
                                             "passed to `accelerate launch --config_file` as it is (null: plain DDP)")
    backend: str = _f("auto", "Collective backend: auto = nccl on CUDA, gloo on CPU", choices=DIST_BACKENDS)
    main_process_port: int = _f(0, "Rendezvous port of rank 0 (0: a free port picked at each start)", min=0,
                                max=65535)
    collective_timeout_s: int = _f(1800, "How long a rank waits in one collective before the run fails (pauses "
                                         "are safe at any length: a paused rank 0 re-broadcasts every second)",
                                   min=5, max=86400)


@dataclass
class CheckpointConfig:
    save_every_steps: int = _f(0, "Save a checkpoint every N steps (0: only on request and at stop)", min=0)
    save_total_limit: int | None = _f(None, "Keep at most N complete checkpoints (null: keep all)", min=1)
    output_root: str = _f("outputs", "Where run directories are created")


@dataclass
class TrainConfig:
    name: str = _f("run", "Run name; the run directory is <output_root>/<name>-<timestamp>")
    seed: int = _f(42, "Seed for model init of the LoRA weights, data order and dropout", min=0)
    model: ModelConfig = field(default_factory=ModelConfig)
    data: DataConfig = field(default_factory=DataConfig)
    lora: LoraConfig = field(default_factory=LoraConfig)
    dpo: DpoConfig = field(default_factory=DpoConfig)
    training: TrainingConfig = field(default_factory=TrainingConfig)
    device: DeviceConfig = field(default_factory=DeviceConfig)
    distributed: DistributedConfig = field(default_factory=DistributedConfig)
    checkpointing: CheckpointConfig = field(default_factory=CheckpointConfig)


SECTIONS = ("model", "data", "lora", "dpo", "training", "device", "distributed", "checkpointing")

# Changing these on resume would silently train a different model than the checkpoint holds.
RESUME_FROZEN_PREFIXES = ("model.", "lora.", "data.", "dpo.", "seed", "training.per_device_batch_size",
                          "training.gradient_accumulation_steps", "training.group_by_length")
RESUME_ALLOWED = ("training.max_steps", "checkpointing.save_every_steps", "checkpointing.save_total_limit",
                  "training.logging_steps", "training.eval_every_steps", "device.num_threads",
                  "training.report_to", "distributed.main_process_port", "distributed.collective_timeout_s")


@dataclass(frozen=True)
class FieldError:
    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}" if self.path else self.message


class ConfigError(ValueError):
    """One or more bad fields; `errors` lets the console put each message beside its field."""

    def __init__(self, errors: list[FieldError], source: str | None = None):
        self.errors = errors
        self.source = source
        head = f"invalid config {source}" if source else "invalid config"
        super().__init__(head + ":\n" + "\n".join(f"  {e}" for e in errors))


@dataclass(frozen=True)
class FieldSpec:
    """What the console form and the CLI need to know about one leaf field."""

    path: str
    type_name: str
    help: str
    choices: tuple[str, ...] | None
    optional: bool


def _hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls)


def _unwrap_optional(tp: Any) -> tuple[Any, bool]:
    args = typing.get_args(tp)
    if typing.get_origin(tp) in (typing.Union, types.UnionType) and type(None) in args:
        rest = [a for a in args if a is not type(None)]
        return rest[0], True
    return tp, False


def _type_name(tp: Any) -> str:
    if typing.get_origin(tp) in (typing.Union, types.UnionType):
        return " or ".join(_type_name(a) for a in typing.get_args(tp))
    if typing.get_origin(tp) is list:
        return f"list[{_type_name(typing.get_args(tp)[0])}]"
    return getattr(tp, "__name__", str(tp))


def field_specs(cls: type = TrainConfig, prefix: str = "") -> list[FieldSpec]:
    specs: list[FieldSpec] = []
    hints = _hints(cls)
    for f in dataclasses.fields(cls):
        tp = hints[f.name]
        if dataclasses.is_dataclass(tp):
            specs.extend(field_specs(tp, f"{prefix}{f.name}."))  # type: ignore[arg-type]
            continue
        inner, optional = _unwrap_optional(tp)
        specs.append(FieldSpec(f"{prefix}{f.name}", _type_name(inner), f.metadata.get("help", ""),
                               f.metadata.get("choices"), optional))
    return specs


def _describe_range(meta: Any) -> str:
    lo, hi = meta.get("min"), meta.get("max")
    lo_s = None if lo is None else (f"> {lo}" if meta.get("min_exclusive") else f">= {lo}")
    hi_s = None if hi is None else (f"< {hi}" if meta.get("max_exclusive") else f"<= {hi}")
    return " and ".join(s for s in (lo_s, hi_s) if s)


def _check_leaf(path: str, value: Any, tp: Any, meta: Any) -> tuple[Any, FieldError | None]:
    inner, optional = _unwrap_optional(tp)
    if value is None:
        if optional:
            return None, None
        return None, FieldError(path, f"must not be empty (expected {_type_name(inner)})")
    if inner is bool:
        if not isinstance(value, bool):
            return None, FieldError(path, f"expected true or false, got {value!r}")
        return value, None
    if inner is int:
        if isinstance(value, bool) or not isinstance(value, int):
            if isinstance(value, float) and value.is_integer():
                value = int(value)
            else:
                return None, FieldError(path, f"expected an integer, got {value!r}")
    elif inner is float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            return None, FieldError(path, f"expected a number, got {value!r}")
        value = float(value)
        if not math.isfinite(value):
            return None, FieldError(path, f"must be a finite number, got {value!r}")
    elif inner is str:
        if not isinstance(value, str):
            return None, FieldError(path, f"expected a string, got {value!r}")
        if not value.strip():
            return None, FieldError(path, "must not be empty")
    elif typing.get_origin(inner) is list:
        if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
            return None, FieldError(path, f"expected a list of names, got {value!r}")
        if not value:
            return None, FieldError(path, "must name at least one entry")
        return list(value), None
    choices = meta.get("choices")
    if choices and value not in choices:
        return None, FieldError(path, f"{value!r} is not one of: {', '.join(choices)}")
    lo, hi = meta.get("min"), meta.get("max")
    if isinstance(value, int | float):
        too_low = lo is not None and (value <= lo if meta.get("min_exclusive") else value < lo)
        too_high = hi is not None and (value >= hi if meta.get("max_exclusive") else value > hi)
        if too_low or too_high:
            return None, FieldError(path, f"{value!r} is out of range (allowed: {_describe_range(meta)})")
    return value, None


def _build(cls: type, data: Any, prefix: str, errors: list[FieldError]) -> Any:
    if data is None:
        data = {}
    if not isinstance(data, dict):
        errors.append(FieldError(prefix.rstrip(".") or "<root>", f"expected a mapping, got {type(data).__name__}"))
        return cls()
    hints = _hints(cls)
    known = {f.name for f in dataclasses.fields(cls)}
    for key in data:
        if key not in known:
            errors.append(FieldError(f"{prefix}{key}", f"unknown key (allowed: {', '.join(sorted(known))})"))
    kwargs: dict[str, Any] = {}
    for f in dataclasses.fields(cls):
        if f.name not in data:
            continue
        tp = hints[f.name]
        if dataclasses.is_dataclass(tp):
            kwargs[f.name] = _build(tp, data[f.name], f"{prefix}{f.name}.", errors)  # type: ignore[arg-type]
        else:
            path, check = f"{prefix}{f.name}", f.metadata.get("check")
            if check is not None:
                value, message = check(path, data[f.name])
                err = FieldError(path, message) if message else None
            else:
                value, err = _check_leaf(path, data[f.name], tp, f.metadata)
            if err:
                errors.append(err)
            else:
                kwargs[f.name] = value
    return cls(**kwargs)


_PLAIN_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")


def _cross_checks(cfg: TrainConfig) -> list[FieldError]:
    errors = []
    if not _PLAIN_NAME.match(cfg.name) or ".." in cfg.name:
        # The name becomes a directory under output_root: a path in it would put the run elsewhere.
        errors.append(FieldError("name", f"{cfg.name!r} must be a plain name (letters, digits, '.', '_', '-'; "
                                         "no '/' or '..'), at most 100 characters"))
    if cfg.training.gradient_checkpointing and cfg.training.use_cache:
        errors.append(FieldError("training.use_cache", "must be false when training.gradient_checkpointing is true"))
    if cfg.device.device in ("cpu", "mps") and cfg.device.precision in ("bf16", "fp16"):
        errors.append(FieldError("device.precision",
                                 f"{cfg.device.precision} is not supported for training on {cfg.device.device} (use fp32 or auto)"))
    errors.extend(FieldError(f"dpo.{name}", message) for name, message in lt.cross_check(cfg.dpo))
    if cfg.distributed.num_processes > 1 and cfg.device.device == "mps":
        errors.append(FieldError("distributed.num_processes", "must be 1 on mps (one GPU, no collective backend)"))
    if cfg.distributed.backend == "nccl" and cfg.device.device in ("cpu", "mps"):
        errors.append(FieldError("distributed.backend", f"nccl needs CUDA; use gloo or auto on {cfg.device.device}"))
    errors.extend(FieldError(liger.FIELD, message) for message in liger.cross_check(cfg))
    if (why := reporting.missing(cfg.training.report_to)) is not None:
        errors.append(FieldError("training.report_to", why))
    return errors


def from_dict(data: Any, source: str | None = None) -> TrainConfig:
    errors: list[FieldError] = []
    cfg = _build(TrainConfig, data, "", errors)
    if not errors:
        errors = _cross_checks(cfg)
    if errors:
        raise ConfigError(errors, source)
    return typing.cast(TrainConfig, cfg)


def to_dict(cfg: TrainConfig) -> dict[str, Any]:
    return dataclasses.asdict(cfg)


def _duplicate_keys(node: Any, prefix: str = "") -> list[FieldError]:
    """Keys given twice in one mapping, with their full path; plain YAML keeps the last one silently."""
    errors: list[FieldError] = []
    if isinstance(node, yaml.MappingNode):
        seen: dict[str, int] = {}
        for key_node, value_node in node.value:
            key, line = str(key_node.value), key_node.start_mark.line + 1
            if key in seen:
                errors.append(FieldError(prefix + key, f"given twice (lines {seen[key]} and {line}); keep one"))
            seen.setdefault(key, line)
            errors += _duplicate_keys(value_node, f"{prefix}{key}.")
    elif isinstance(node, yaml.SequenceNode):
        for item in node.value:
            errors += _duplicate_keys(item, prefix)
    return errors


def parse_yaml(text: str, source: str | None = None) -> Any:
    """safe_load, refusing duplicate keys (ConfigError); YAML syntax errors propagate as yaml.YAMLError."""
    errors = _duplicate_keys(yaml.compose(text, Loader=yaml.SafeLoader))
    if errors:
        raise ConfigError(errors, source)
    return yaml.safe_load(text)


def load(path: str | Path, overrides: list[str] | None = None) -> TrainConfig:
    path = Path(path)
    try:
        text = path.read_bytes().decode("utf-8")
    except OSError as e:
        raise ConfigError([FieldError("", f"cannot read {path}: {e.strerror}")], str(path)) from e
    except UnicodeDecodeError as e:
        line = path.read_bytes()[:e.start].count(b"\n") + 1
        raise ConfigError([FieldError("", f"not UTF-8 text (byte {e.start}, line {line}); save it as UTF-8")],
                          str(path)) from None
    try:
        data = parse_yaml(text, str(path)) or {}
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark else ""
        raise ConfigError([FieldError("", f"not valid YAML{where}: {getattr(e, 'problem', e)}")], str(path)) from e
    if overrides:
        data = apply_overrides(data, overrides)
    return from_dict(data, str(path))


def parse_override(item: str) -> tuple[str, Any]:
    """`key.path=value` with the value read as YAML, so 5e-6, true, null and [a, b] work."""
    if "=" not in item:
        raise ConfigError([FieldError("", f"override {item!r} must look like section.key=value")])
    key, raw = item.split("=", 1)
    key = key.strip()
    try:
        value = yaml.safe_load(raw) if raw.strip() else ""
    except yaml.YAMLError:
        value = raw
    return key, value


def apply_overrides(data: dict[str, Any], overrides: list[str]) -> dict[str, Any]:
    data = _deepcopy(data)
    for item in overrides:
        key, value = parse_override(item)
        node = data
        parts = key.split(".")
        for part in parts[:-1]:
            nxt = node.setdefault(part, {})
            if not isinstance(nxt, dict):
                raise ConfigError([FieldError(key, f"{part} is not a section")])
            node = nxt
        node[parts[-1]] = value
    return data


def _deepcopy(data: Any) -> Any:
    if isinstance(data, dict):
        return {k: _deepcopy(v) for k, v in data.items()}
    if isinstance(data, list):
        return [_deepcopy(v) for v in data]
    return data


def get_value(cfg: TrainConfig, path: str) -> Any:
    node: Any = cfg
    for part in path.split("."):
        node = getattr(node, part)
    return node


def flatten(data: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in data.items():
        if isinstance(v, dict):
            out.update(flatten(v, f"{prefix}{k}."))
        else:
            out[f"{prefix}{k}"] = v
    return out


def diff(a: TrainConfig, b: TrainConfig) -> dict[str, tuple[Any, Any]]:
    """Leaf paths whose values differ, as (a, b)."""
    fa, fb = flatten(to_dict(a)), flatten(to_dict(b))
    return {k: (fa.get(k), fb.get(k)) for k in fa if fa.get(k) != fb.get(k)}


def check_resume_overrides(saved: TrainConfig, wanted: TrainConfig) -> None:
    """Resume may only extend the schedule; anything that changes what is trained is refused."""
    errors = []
    for path, (old, new) in diff(saved, wanted).items():
        if path in RESUME_ALLOWED:
            if path == "training.max_steps" and new < old:
                errors.append(FieldError(path, f"can only grow on resume ({old} -> {new} refused)"))
            continue
        errors.append(FieldError(path, f"cannot change on resume ({old!r} -> {new!r}): it changes what the "
                                       f"checkpoint was trained on; start a new run instead"))
    if errors:
        raise ConfigError(errors, "resume")


def dump_yaml(cfg: TrainConfig) -> str:
    buf = io.StringIO()
    yaml.safe_dump(to_dict(cfg), buf, sort_keys=False, allow_unicode=True)
    return buf.getvalue()


def save_yaml(cfg: TrainConfig, path: str | Path) -> None:
    Path(path).write_text(dump_yaml(cfg), encoding="utf-8")


def dump_toml(cfg: TrainConfig) -> str:
    import tomli_w

    def drop_none(d: dict[str, Any]) -> dict[str, Any]:
        # TOML has no null; an absent key means "default" (None) on the way back.
        return {k: drop_none(v) if isinstance(v, dict) else v for k, v in d.items() if v is not None}

    return tomli_w.dumps(drop_none(to_dict(cfg)))


def reference_markdown() -> str:
    """The config reference table of the README, generated so that the two cannot drift apart."""
    defaults = flatten(to_dict(TrainConfig()))
    rows = ["| field | type | default | allowed | what it does |", "| --- | --- | --- | --- | --- |"]
    hints_by_path = {}
    for cls, prefix in [(TrainConfig, "")] + [(type(getattr(TrainConfig(), s)), f"{s}.") for s in SECTIONS]:
        for f in dataclasses.fields(cls):
            hints_by_path[f"{prefix}{f.name}"] = f.metadata
    for spec in field_specs():
        meta = hints_by_path[spec.path]
        allowed = ", ".join(spec.choices) if spec.choices else _describe_range(meta)
        type_name = spec.type_name + (" or null" if spec.optional else "")
        default = defaults[spec.path]
        if isinstance(default, bool):
            shown = str(default).lower()
        elif isinstance(default, list):
            shown = ", ".join(default)
        else:
            shown = "null" if default is None else str(default)
        rows.append(f"| `{spec.path}` | {type_name} | `{shown}` | {allowed} | {spec.help} |")
    return "\n".join(rows)
