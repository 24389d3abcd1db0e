"""`--set` overrides as users type them: a unique leaf name stands for its full path."""

from __future__ import annotations

from trainer import config as cfgmod


def expand(overrides: list[str]) -> list[str]:
    """`max_steps=200` means `training.max_steps=200`; ambiguous or unknown names are left for the validator."""
    specs = [f.path for f in cfgmod.field_specs()]
    out = []
    for item in overrides:
        key, sep, value = item.partition("=")
        if sep and "." not in key and key not in specs:
            matches = [p for p in specs if p.endswith("." + key.strip())]
            if len(matches) == 1:
                item = f"{matches[0]}={value}"
        out.append(item)
    return out
