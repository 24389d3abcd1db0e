"""Console speed on a real pseudo-terminal: time to first frame, key-to-render latency while a run streams
50 events/s over the trainer's control socket, and the console's CPU share while attached.

Also the Config pane: first render after `2` (and again after `3`), tab-to-next-field latency, under the
same stream; and the console's CPU share with no run attached at all.

Run: .venv/bin/python benchmarks/bench_tui.py [--seconds 10] [--repeats 10]
The stream comes from the trainer's own EventLog + ControlServer (tests/tui_fixtures.StreamingRun) in a
separate process; a minimal Textual app started the same way is the baseline for the first frame.
"""

from __future__ import annotations

import argparse
import fcntl
import os
import pty
import shutil
import statistics
import struct
import subprocess
import sys
import tempfile
import termios
import threading
import time
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parents[1]
PY = sys.executable
ENV = {**os.environ, "TERM": "xterm-256color", "COLORTERM": "truecolor",
       "PYTHONPATH": os.pathsep.join([str(ROOT), str(ROOT / "tests")])}

FEEDER = """
import sys, time
from pathlib import Path
from tui_fixtures import StreamingRun
with StreamingRun(Path(sys.argv[1]), rate=float(sys.argv[2]), resources_every=int(sys.argv[3])):
    sys.stdout.write("ready\\n"); sys.stdout.flush()
    sys.stdin.read()  # until the benchmark closes our stdin
"""

BASELINE_APP = """
from textual.app import App
from textual.widgets import Footer, Static
class Baseline(App):
    def compose(self):
        yield Static("baseline ready")
        yield Footer()
Baseline().run()
"""


class Term:
    """A program on a pseudo-terminal of a fixed size; its output is read in the background with arrival times."""

    def __init__(self, argv: list[str], cols: int = 120, rows: int = 40) -> None:
        master, slave = pty.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
        self.t0 = time.perf_counter()
        self.proc = subprocess.Popen(argv, stdin=slave, stdout=slave, stderr=slave, cwd=ROOT, env=ENV,
                                     start_new_session=True)
        os.close(slave)
        self.master = master
        self.buf = bytearray()
        self.chunks: list[tuple[float, int]] = []  # (arrival time, end offset)
        self.lock = threading.Lock()
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        while True:
            try:
                data = os.read(self.master, 1 << 16)
            except OSError:
                return
            if not data:
                return
            with self.lock:
                self.buf += data
                self.chunks.append((time.perf_counter(), len(self.buf)))

    def mark(self) -> int:
        with self.lock:
            return len(self.buf)

    def wait_for(self, text: bytes, since: int, timeout: float = 20.0) -> float:
        """perf_counter time at which `text` had arrived after offset `since`."""
        deadline = time.perf_counter() + timeout
        while time.perf_counter() < deadline:
            with self.lock:
                i = self.buf.find(text, since)
                if i >= 0:
                    end = i + len(text)
                    return next(t for t, off in self.chunks if off >= end)
            time.sleep(0.002)
        raise TimeoutError(f"{text!r} did not appear within {timeout}s")

    def send(self, keys: bytes) -> float:
        t = time.perf_counter()
        os.write(self.master, keys)
        return t

    def close(self) -> None:
        try:
            self.send(b"q")
            self.proc.wait(timeout=10)
        except (OSError, subprocess.TimeoutExpired):
            self.proc.terminate()
            self.proc.wait(timeout=10)
        os.close(self.master)


def feeder(run_dir: Path, rate: float, resources_every: int) -> subprocess.Popen[str]:
    p = subprocess.Popen([PY, "-c", FEEDER, str(run_dir), str(rate), str(resources_every)], stdin=subprocess.PIPE,
                         stdout=subprocess.PIPE, text=True, env=ENV, cwd=ROOT)
    assert p.stdout is not None and p.stdout.readline().strip() == "ready"
    return p


def stop(p: subprocess.Popen[str]) -> None:
    assert p.stdin is not None
    p.stdin.close()
    p.wait(timeout=10)


def first_frame(argv: list[str], marker: bytes) -> float:
    term = Term(argv)
    try:
        return term.wait_for(marker, 0, timeout=30) - term.t0
    finally:
        term.close()


def cpu_share(pid: int, seconds: float) -> float:
    proc = psutil.Process(pid)
    c0, t0 = proc.cpu_times(), time.perf_counter()
    time.sleep(seconds)
    c1, t1 = proc.cpu_times(), time.perf_counter()
    return ((c1.user - c0.user) + (c1.system - c0.system)) / (t1 - t0)


def ms(xs: list[float]) -> str:
    xs = sorted(x * 1000 for x in xs)
    return f"median {statistics.median(xs):6.1f} ms   max {xs[-1]:6.1f} ms   (n={len(xs)})"


def config_figures(term: Term, repeats: int, base: float) -> None:
    """Config pane (issue 13 item 13): its first render after `2`, then `tab` to the next field's help line,
    both while the 50 events/s stream keeps the console busy. Back on the Run pane (3) afterwards."""
    sys.path.insert(0, str(ROOT))  # run as a script: the project is not on sys.path
    from alice_tui.config_form import grouped_specs

    # The help line names the focused field by its dotted path; the row labels show only its last part.
    paths = [s.path for _, specs in grouped_specs() for s in specs]
    m = term.mark()
    sent = term.send(b"2")
    first = term.wait_for(b"name_or_path", m) - sent  # a row label: the form's rows are drawn
    time.sleep(0.3)
    tabs = []
    for path in paths[:repeats * 2 + 2]:
        m = term.mark()
        sent = term.send(b"\t")
        if "." in path:
            tabs.append(term.wait_for(path.encode(), m) - sent)
        time.sleep(0.15)
    term.send(b"\x1b")  # escape leaves the field, so 3 switches panes again
    time.sleep(0.2)
    again = []
    for _ in range(repeats):
        m = term.mark()
        term.send(b"3")
        term.wait_for(b"elapsed", m)
        time.sleep(0.2)
        m = term.mark()
        sent = term.send(b"2")
        again.append(term.wait_for(b"name_or_path", m) - sent)
        time.sleep(0.2)
    print(f"  2 -> Config pane first render (form built):  {first * 1000:6.1f} ms  "
          f"({first / base:.2f}x the minimal app's first frame)")
    print(f"  3 then 2 -> Config pane drawn again:         {ms(again)}")
    print(f"  tab -> next field focused, help shown:       {ms(tabs)}")
    m = term.mark()
    term.send(b"3")
    term.wait_for(b"elapsed", m)
    time.sleep(0.5)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--seconds", type=float, default=10.0, help="CPU measurement window")
    ap.add_argument("--repeats", type=int, default=10, help="key presses per latency figure")
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="bench_tui_"))
    runs = tmp / "runs"
    console = [PY, "-m", "alice_tui", "--runs-dir", str(runs)]
    try:
        # 45 steps/s plus a resources event every 9 steps: 50 events/s.
        fast = feeder(runs / "stream-50eps", rate=45, resources_every=9)
        try:
            base = statistics.median(first_frame([PY, "-c", BASELINE_APP], b"baseline ready") for _ in range(3))
            ffs = [first_frame(console, b"TRAINING") for _ in range(3)]
            ff = statistics.median(ffs)
            print(f"time to first frame (attached, run state drawn): {ff * 1000:.0f} ms  "
                  f"(minimal Textual app: {base * 1000:.0f} ms, ratio {ff / base:.2f}x)")

            term = Term(console)
            term.wait_for(b"TRAINING", 0)
            time.sleep(1.0)
            switch, pause, resume = [], [], []
            def latency(key: bytes, shown: bytes) -> float:
                m = term.mark()
                sent = term.send(key)
                took = term.wait_for(shown, m) - sent
                time.sleep(0.2)
                return took

            for _ in range(args.repeats):
                switch.append(latency(b"4", b"enter attach"))
                switch.append(latency(b"3", b"elapsed"))
                pause.append(latency(b"p", b"PAUSED"))
                resume.append(latency(b"p", b"TRAINING"))
            print("key-to-render under a 50 events/s stream:")
            print(f"  pane switch (4 / 3, local):                  {ms(switch)}")
            print(f"  p -> PAUSED shown (round trip via trainer):   {ms(pause)}")
            print(f"  p -> TRAINING shown (round trip via trainer): {ms(resume)}")
            config_figures(term, args.repeats, base)
            busy = cpu_share(term.proc.pid, args.seconds)
            print(f"console CPU while attached to the 50 events/s run: {busy * 100:.1f}% of a core")
            term.close()
        finally:
            stop(fast)
        shutil.rmtree(runs / "stream-50eps")
        idle = feeder(runs / "idle", rate=1, resources_every=5)
        try:
            term = Term(console)
            term.wait_for(b"TRAINING", 0)
            time.sleep(2.0)
            quiet = cpu_share(term.proc.pid, args.seconds)
            print(f"console CPU while attached to an idle-ish run (1 step/s): {quiet * 100:.1f}% of a core "
                  f"(target < 5%)")
            term.close()
        finally:
            stop(idle)
        # No run at all: the console on an empty runs dir (Runs pane), nothing to follow.
        shutil.rmtree(runs / "idle")
        term = Term(console)
        term.wait_for(b"Runs", 0)
        time.sleep(2.0)
        alone = cpu_share(term.proc.pid, args.seconds)
        print(f"console CPU with no run attached: {alone * 100:.2f}% of a core (target well under 1%)")
        term.close()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
