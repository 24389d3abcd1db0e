"""`alice-tui plot RUN [RUN ...]`: loss, reward accuracy and margin, learning rate, eval points, pauses and
resumes, as a PNG or SVG; several runs overlaid.

matplotlib is an optional extra (alice-tui[plot]) imported only here, in the plot's own process.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from trainer import curves as curvesmod

PANELS = (("loss", "loss", "eval_loss"), ("rewards/accuracies", "reward accuracy", "eval_rewards/accuracies"),
          ("rewards/margins", "reward margin", "eval_rewards/margins"), ("learning_rate", "learning rate", None))
FORMATS = (".png", ".svg")


class PlotError(ValueError):
    pass


def _pyplot() -> Any:
    try:
        import matplotlib
    except ImportError as e:
        raise PlotError("plotting needs matplotlib: pip install 'alice-tui[plot]'") from e
    matplotlib.use("Agg")  # files only; never a window, works over SSH
    import matplotlib.pyplot as plt

    return plt


def check_out(out: Path) -> Path:
    if out.suffix.lower() not in FORMATS:
        raise PlotError(f"--out {out}: the file must end in .png or .svg")
    return out


def draw(runs: list[curvesmod.Curves], out: Path, title: str | None = None) -> Path:
    """Write the figure for `runs` to `out` (format from the suffix) and return the path."""
    check_out(out)
    plt = _pyplot()
    fig, axes = plt.subplots(len(PANELS), 1, figsize=(8, 9), sharex=True, constrained_layout=True)
    colors = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    for i, run in enumerate(runs):
        color = colors[i % len(colors)]
        for ax, (key, label, eval_key) in zip(axes, PANELS, strict=True):
            steps, values = run.points(key)
            if steps:
                ax.plot(steps, values, color=color, lw=1.4, label=run.name if ax is axes[0] else None)
            if eval_key:
                pts = [(s, m[eval_key]) for s, m in run.evals if eval_key in m]
                if pts:
                    ax.scatter(*zip(*pts, strict=True), color=color, marker="D", s=22, zorder=3,
                               label=f"{run.name} eval" if ax is axes[0] else None)
            # Pauses dotted, resumes dashed: a jump in a curve next to one is the interruption, not training.
            for s in run.pauses:
                ax.axvline(s, color=color, ls=":", lw=0.9, alpha=0.8)
            for s in run.resumes:
                ax.axvline(s, color=color, ls="--", lw=1.1, alpha=0.9)
            ax.set_ylabel(label)
            ax.grid(True, alpha=0.3)
    axes[-1].set_xlabel("step")
    handles, labels = axes[0].get_legend_handles_labels()
    from matplotlib.lines import Line2D

    if any(r.pauses for r in runs):
        handles.append(Line2D([], [], color="grey", ls=":"))
        labels.append("paused")
    if any(r.resumes for r in runs):
        handles.append(Line2D([], [], color="grey", ls="--"))
        labels.append("resumed")
    axes[0].legend(handles, labels, fontsize="small", loc="best")
    fig.suptitle(title or ", ".join(r.name for r in runs))
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.tmp{out.suffix}")
    fig.savefig(tmp, dpi=110)
    plt.close(fig)
    tmp.replace(out)
    return out


def plot_runs(run_dirs: list[Path], out: Path | None = None) -> Path:
    runs = [curvesmod.load(d) for d in run_dirs]
    return draw(runs, out or run_dirs[0] / "curves.png")


def make_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="alice-tui plot", description="Draw a run's training curves (several runs: overlaid).")
    p.add_argument("runs", nargs="+", type=Path, metavar="RUN", help="run directories")
    p.add_argument("--out", type=Path, help="FILE.png or FILE.svg (default: <first run>/curves.png)")
    return p


def main(argv: list[str] | None = None) -> int:
    args = make_parser().parse_args(argv)
    try:
        path = plot_runs(args.runs, args.out)
    except (PlotError, ValueError) as e:
        print(f"alice-tui plot: {e}", file=sys.stderr)
        return 2
    print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
