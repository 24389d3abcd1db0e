"""The Config pane's model: one text per schema field, parsed and validated by the schema itself.

Plain module (no Textual). Each field's text is what the person typed; `validate` turns the
texts into a config dict and lets `trainer.config.from_dict` judge it, so the messages shown
beside fields are the schema's own.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from trainer import config as cfgmod
from trainer import loss_table, preconditions

GROUPS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    # (title, path prefix, explicit paths) — training is split so batching reads apart from schedule.
    ("Run", "", ("name", "seed")),
    ("Model", "model.", ()),
    ("Data", "data.", ()),
    ("LoRA", "lora.", ()),
    ("DPO / loss", "dpo.", ()),
    ("Batching", "", ("training.per_device_batch_size", "training.gradient_accumulation_steps",
                      "training.group_by_length", "training.gradient_checkpointing", "training.use_cache",
                      "training.dataloader_num_workers")),
    ("Schedule", "training.", ()),
    ("Device and precision", "device.", ()),
    ("Distributed (data-parallel ranks)", "distributed.", ()),
    ("Checkpointing", "checkpointing.", ()),
)


def grouped_specs() -> list[tuple[str, list[cfgmod.FieldSpec]]]:
    """The schema's fields in form order; every field lands in exactly one group."""
    specs = cfgmod.field_specs()
    taken: set[str] = set()
    out = []
    for title, prefix, explicit in GROUPS:
        if explicit:
            members = [s for s in specs if s.path in explicit]
        else:
            members = [s for s in specs if s.path.startswith(prefix) and s.path not in taken]
        taken.update(s.path for s in members)
        out.append((title, members))
    rest = [s for s in specs if s.path not in taken]
    if rest:
        out.append(("Other", rest))
    return out


def to_text(spec: cfgmod.FieldSpec, value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    if spec.type_name == "bool" and isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def parse_text(spec: cfgmod.FieldSpec, text: str) -> Any:
    """The value a field's text stands for; the schema, not this function, decides if it is valid."""
    text = text.strip()
    if not text:
        return None
    if spec.type_name.startswith("list[") or spec.type_name.endswith(" or list[str]"):
        if text.startswith("["):  # YAML's own list syntax, as in the config file
            return _yaml_or_text(text)
        parts = [part.strip() for part in text.split(",") if part.strip()]
        if spec.type_name == "list[float]":
            return [_number(p) for p in parts]
        return parts[0] if spec.type_name.endswith(" or list[str]") and len(parts) == 1 else parts
    if spec.type_name == "str":
        return None if (spec.optional and text == "null") else text
    if spec.type_name in ("int", "float"):
        return _number(text)
    return _yaml_or_text(text)


def _number(text: str) -> Any:
    # YAML 1.1 reads 5e-06 (no dot) as a string; Python's own parsers read it as people mean it.
    for conv in (int, float):
        try:
            return conv(text)
        except ValueError:
            pass
    return _yaml_or_text(text)


def _yaml_or_text(text: str) -> Any:
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError:
        return text


@dataclass
class FormModel:
    specs: list[cfgmod.FieldSpec] = field(default_factory=cfgmod.field_specs)
    texts: dict[str, str] = field(default_factory=dict)
    saved_texts: dict[str, str] = field(default_factory=dict)
    # Problems of the file that no field can show (unknown keys, YAML syntax).
    file_errors: list[str] = field(default_factory=list)

    @classmethod
    def from_file(cls, path: Path) -> FormModel:
        form = cls()
        data: Any = {}
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        except OSError as e:
            form.file_errors.append(f"cannot read {path}: {e.strerror}")
        except yaml.YAMLError as e:
            form.file_errors.append(f"{path} is not valid YAML: {e}")
        if not isinstance(data, dict):
            form.file_errors.append(f"{path}: expected a mapping at the top level")
            data = {}
        form.load_dict(data)
        return form

    def load_dict(self, data: dict[str, Any]) -> None:
        defaults = cfgmod.flatten(cfgmod.to_dict(cfgmod.TrainConfig()))
        flat = cfgmod.flatten(data)
        known = {s.path for s in self.specs}
        for key in flat:
            if key not in known:
                self.file_errors.append(f"{key}: unknown key (dropped from the form; saving removes it)")
        self.texts = {s.path: to_text(s, flat.get(s.path, defaults.get(s.path))) for s in self.specs}
        self.saved_texts = dict(self.texts)

    @property
    def dirty(self) -> bool:
        return self.texts != self.saved_texts

    def spec(self, path: str) -> cfgmod.FieldSpec:
        return next(s for s in self.specs if s.path == path)

    def to_data(self) -> dict[str, Any]:
        data: dict[str, Any] = {}
        for s in self.specs:
            value = parse_text(s, self.texts.get(s.path, ""))
            node = data
            *parents, leaf = s.path.split(".")
            for p in parents:
                node = node.setdefault(p, {})
            node[leaf] = value
        return data

    def unused_fields(self) -> set[str]:
        """Paths of the DPO fields the loss now typed never reads (the table's answer), for the form to dim."""
        loss_type = parse_text(self.spec("dpo.loss_type"), self.texts.get("dpo.loss_type", ""))
        if not isinstance(loss_type, str | list):
            return set()
        f_div = self.texts.get("dpo.f_divergence_type", "").strip()
        return {f"dpo.{name}" for name in loss_table.unused_params(loss_type, f_div)}

    def validate(self) -> tuple[cfgmod.TrainConfig | None, dict[str, str]]:
        """The config if the schema accepts it (it can be saved), and a message per field path ('' for
        whole-file problems): the schema's own, or else what would stop the trainer at start-up."""
        try:
            cfg = self.schema_config()
        except cfgmod.ConfigError as e:
            return None, _by_path(e.errors)
        return cfg, _by_path(preconditions.check(cfg))

    def schema_config(self) -> cfgmod.TrainConfig:
        """The config as the schema reads it, or ConfigError with every bad field."""
        return cfgmod.from_dict(self.to_data(), "the Config pane")

    def config(self) -> cfgmod.TrainConfig:
        """The config if it can start, or ConfigError with every field that stops it."""
        cfg = self.schema_config()
        preconditions.require(cfg, source="the Config pane")
        return cfg


def _by_path(errors: list[cfgmod.FieldError]) -> dict[str, str]:
    out: dict[str, str] = {}
    for err in errors:
        out.setdefault(err.path, err.message)
    return out


# ---- the form's lines: what the Config pane draws, one entry a screen line -------------------
NAME_WIDTH = 30  # columns before a field's value (its name, indented)


@dataclass(frozen=True, slots=True)
class FormLine:
    kind: str  # "title" | "field" | "error" | "blank"
    text: str = ""  # a title, or one wrapped line of a field's error
    path: str = ""  # the field a "field" or "error" line belongs to


def form_lines(groups: list[tuple[str, list[cfgmod.FieldSpec]]], errors: dict[str, str],
               width: int) -> list[FormLine]:
    """Section titles, one line per field, and under an invalid field its message wrapped to `width`."""
    import textwrap

    out: list[FormLine] = []
    wrap = max(20, width - NAME_WIDTH - 2)
    for i, (title, specs) in enumerate(groups):
        if i:
            out.append(FormLine("blank"))
        out.append(FormLine("title", title))
        for s in specs:
            out.append(FormLine("field", path=s.path))
            if s.path in errors:
                out.extend(FormLine("error", text, s.path)
                           for text in textwrap.wrap(f"↳ {errors[s.path]}", wrap) or ["↳"])
    return out


def editor_choices(spec: cfgmod.FieldSpec) -> tuple[str, ...]:
    """The choices a field's editor offers (enter picks, typing completes); empty for free text.
    A field that also takes a list (dpo.loss_type) is free text; its choices show in the help line."""
    if spec.type_name == "bool":
        return ("true", "false")
    if spec.choices and spec.type_name == "str":
        return tuple(spec.choices)
    return ()
