"""A dataset build's per-stage progress in pipeline order, whatever order the events came in (no Textual)."""

from __future__ import annotations

# The builder's stages as the pipeline runs them; a stage not named here goes after them, as it came.
ORDER = ("read", "annotate", "pii", "language", "dedup", "quality", "lengths", "splits", "write")


def ordered(stages: dict[str, tuple[int, int | None]]) -> list[tuple[str, tuple[int, int | None]]]:
    """`stages` keyed "stage source" (or "stage"), sorted by pipeline stage, then by first arrival."""
    arrival = {key: i for i, key in enumerate(stages)}

    def rank(key: str) -> tuple[int, int]:
        stage = key.split(" ", 1)[0]
        return (ORDER.index(stage) if stage in ORDER else len(ORDER), arrival[key])

    return sorted(stages.items(), key=lambda kv: rank(kv[0]))


def summary(stages: dict[str, tuple[int, int | None]]) -> str:
    """One line for after the build, when the bars give their rows back to the manifest."""
    read = sum(done for key, (done, _) in stages.items() if key.split(" ", 1)[0] == "read")
    return f"{len(stages)} stages done · {read:,} records read"
