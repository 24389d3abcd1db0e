"""The Eval pane shows an A/B report (`eval --ab`): its own columns, the verdict as headline, verdicts in the pager."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
from textual.app import App, ComposeResult
from textual.widgets import DataTable, Static

from alice_tui import eval_report
from alice_tui.panes.eval import EvalPane
from trainer.evaluation import report as reportmod
from trainer.evaluation.ab import report_ab, summary


def _ab_report(eval_dir: Path) -> Path:
    n = 12
    units = {"score": np.array([1.0] * 9 + [0.5, 0.0, 0.0]), "len_diff": np.linspace(-3, 3, n),
             "base_len": np.full(n, 20.0), "tuned_len": np.full(n, 20.0) + np.linspace(-3, 3, n),
             "consistent": np.ones(n)}
    overall, by = summary.summarize(units, {"lang": {"en": list(range(6)), "sv": list(range(6, 12))}}, 0, 200)
    gens = [{"id": f"p{i}", "lang": "en", "prompt": f"q{i}", "base": "b", "tuned": "t", "base_tokens": 1,
             "tuned_tokens": 1, "verdict": "win"} for i in range(3)]
    rep: dict[str, Any] = {
        "kind": "ab", "name": "ab1", "run_dir": "r", "checkpoint": "final", "adapter_sha256": "0" * 64,
        "split": "golden", "split_path": "g.jsonl", "n_prompts": n, "n_pairs": n, "n_errors": 0, "errors": [],
        "judge": {"label": "golden", "note": "reference"}, "decoding": {"max_new_tokens": 8},
        "seed": 0, "bootstrap_resamples": 200, "overall": overall, "slices": by, "generations": gens,
        "verdict": summary.verdict_line(overall, "golden", "golden")}
    return reportmod.write(rep, [], eval_dir, "ab1", render=report_ab.render_markdown)


class _Host(App[None]):
    def compose(self) -> ComposeResult:
        yield EvalPane(Path("."), id="eval")


async def test_eval_pane_shows_an_ab_report(tmp_path: Path) -> None:
    path = _ab_report(tmp_path / "eval")
    app = _Host()
    async with app.run_test(size=(140, 40)) as pilot:
        pane = app.query_one(EvalPane)
        pane.show_report(path)
        await pilot.pause()
        table = app.query_one("#eval-table", DataTable)
        assert [str(c.label) for c in table.columns.values()] == list(eval_report.AB_COLUMNS)
        first = [str(c) for c in table.get_row_at(0)]
        assert first[0] == "overall" and first[1] == "12" and first[2].startswith("79.2 [")
        assert first[6] == "9/1/2" and table.row_count == 3
        headline = str(app.query_one("#eval-headline", Static).render())
        assert headline.startswith("tuned beats base on golden: ")
        assert "judge: tuned win" in str(app.query_one("#gen-pos", Static).render())
