"""The Run pane's header: state, step/max_steps with a progress bar, elapsed, ETA, tokens/s, checkpoint."""

from __future__ import annotations

from rich.text import Text
from textual.widget import Widget

from alice_tui import fmt
from alice_tui.run_model import RunView

STATE_STYLES = {
    "training": "bold black on green", "paused": "bold black on yellow", "checkpointing": "bold black on cyan",
    "stopping": "bold black on yellow", "starting": "bold black on blue", "loading": "bold black on blue",
    "finished": "bold white on dark_green", "stopped": "bold black on grey70", "failed": "bold white on red",
    "interrupted": "bold white on dark_orange3", "created": "bold black on grey70",
}


class RunHeader(Widget):
    """Fixed-size, so a redraw never asks for a layout pass (it happens up to 10 times a second);
    drawn at render time so the bar always fits the current width."""

    DEFAULT_CSS = "RunHeader { height: 3; }"

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._args: tuple[RunView | None, float, bool] = (None, 0.0, False)

    def show(self, view: RunView | None, now: float, connected: bool) -> None:
        self._args = (view, now, connected)
        self.refresh()

    def render(self) -> Text:
        view, now, connected = self._args
        if view is None:
            return Text.from_markup(
                "[b]No run attached.[/b]  [dim]n[/dim] start a run from the current config · "
                "[dim]4[/dim] Runs pane to attach or resume")
        width = max(10, self.size.width or 80)
        state = Text(f" {view.state.upper()} ", style=STATE_STYLES.get(view.state, "reverse"))
        link = Text(" ● live", style="green") if connected else Text(" ○ file", style="dim")
        line1 = Text.assemble(state, " ", (view.run_dir.name, "bold"), link)
        if view.attempt > 1:
            line1.append(f" · attempt {view.attempt}", style="dim")
        if view.pending:
            line1.append(f"  {view.pending}", style="bold yellow")
        if not view.live and (view.error or view.ended_note):
            # Why it stopped matters more than a frozen bar; the step is in the note and on line 3's loss.
            line2 = (Text.assemble((view.error.splitlines()[0], "red"), ("  enter: whole error", "dim"))
                     if view.error else Text(view.ended_note or "", style="dark_orange3"))
            line2.truncate(width, overflow="ellipsis")
        else:
            line2 = self._progress_line(view, width)
        eta = fmt.duration(view.eta_s) if view.live and view.state != "paused" and view.resuming_from is None else "–"
        ckpt = f"step {view.last_checkpoint}" if view.last_checkpoint is not None else "none"
        line3 = Text.assemble(
            ("elapsed ", "dim"), fmt.duration(view.elapsed(now)), ("  ETA ", "dim"), eta,
            ("  ", ""), fmt.rate(view.tokens_per_s if view.resuming_from is None else None),
            ("  loss ", "dim"), fmt.number(view.loss), ("  ckpt ", "dim"), ckpt)
        if line2.plain and not view.live and (view.error or view.ended_note):  # the bar gave way to the note
            line3.append_text(Text.assemble(("  step ", "dim"), fmt.step_fraction(view.step, view.max_steps)))
        if view.attempt > 1:  # wall time differs from elapsed only once there was downtime to leave out
            line3.append_text(Text.assemble(("  wall ", "dim"), fmt.duration(view.wall(now))))
        line1.truncate(width, overflow="ellipsis")
        line3.truncate(width, overflow="ellipsis")
        return Text("\n").join([line1, line2, line3])

    @staticmethod
    def _progress_line(view: RunView, width: int) -> Text:
        if view.resuming_from is not None and view.live:
            # Until the new attempt's first step, the dead attempt's step and ETA would be stale numbers.
            src = f"checkpoint-{view.resuming_from}" if view.resuming_from else "step 0"
            return Text(f"loading from {src} … (step {view.resuming_from}/{view.max_steps or '?'})",
                        style="bold blue")
        frac_txt = f" {fmt.step_fraction(view.step, view.max_steps)} {view.progress * 100:5.1f}%"
        bar_w = max(5, width - len(frac_txt) - 1)
        return Text.assemble((fmt.bar(view.progress, bar_w), "green" if view.live else "grey50"), frac_txt)
