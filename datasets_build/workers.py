"""Worker processes that run one function on task payloads, for the annotate step.

Why not multiprocessing.Pool: its tasks and results go through helper threads in this process, and while
this process runs Python code of its own (reading, filtering, annotating a chunk itself) those threads
wait for the GIL, so finished workers sit idle. Here this process talks to each worker directly: payloads
and results travel as files in a scratch directory (page cache, no pipe to fill up and block on) and the
pipe carries only task numbers, so neither side ever blocks on the other and no thread is involved.
"""

from __future__ import annotations

import pickle
import shutil
import signal
import sys
import tempfile
import traceback
from collections.abc import Callable
from multiprocessing.connection import Connection, wait
from pathlib import Path
from typing import Any


class WorkerError(RuntimeError):
    """A worker raised (the message carries its traceback) or died."""


def _worker_main(conn: Connection, scratch: str, init: Callable[..., None], init_args: tuple[Any, ...],
                 fn: Callable[[Any], Any]) -> None:
    # Ctrl-C reaches the whole process group; the parent decides what happens to the build.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    init(*init_args)
    while True:
        try:
            seq = conn.recv()
        except EOFError:
            return
        if seq is None:
            return
        path = Path(scratch, f"{seq}.in")
        try:
            payload = pickle.loads(path.read_bytes())
            path.unlink()
            data = pickle.dumps(fn(payload), protocol=pickle.HIGHEST_PROTOCOL)
            Path(scratch, f"{seq}.out").write_bytes(data)
            conn.send(("done", seq))
        except BaseException:
            conn.send(("error", seq, traceback.format_exc()))


def _context() -> Any:
    import multiprocessing as mp

    # fork only on Linux: macOS offers it, but forking a process that loaded system frameworks (numpy's
    # Accelerate) can crash or hang there, which is why Python's default on macOS is spawn.
    if sys.platform.startswith("linux") and "fork" in mp.get_all_start_methods():
        return mp.get_context("fork")
    return mp.get_context("spawn")


class Workers:
    """`n` processes, each running `fn` on one task at a time, with at most `depth` tasks handed to it
    (one running, the rest waiting in its pipe, so it never idles between tasks)."""

    def __init__(self, n: int, fn: Callable[[Any], Any], init: Callable[..., None], init_args: tuple[Any, ...],
                 depth: int = 2) -> None:
        self.scratch = tempfile.mkdtemp(prefix="alice-workers-")
        self.depth = depth
        ctx = _context()
        self.procs: list[Any] = []
        self.conns: list[Connection] = []
        self.load: list[int] = []  # tasks handed to each worker and not yet collected
        try:
            for _ in range(n):
                parent, child = ctx.Pipe()
                proc = ctx.Process(target=_worker_main, args=(child, self.scratch, init, init_args, fn), daemon=True)
                proc.start()
                child.close()
                self.procs.append(proc)
                self.conns.append(parent)
                self.load.append(0)
        except BaseException:
            self.close()
            raise

    def free_worker(self) -> int | None:
        """A worker with room for another task (the least loaded), or None."""
        i = min(range(len(self.load)), key=self.load.__getitem__, default=None)
        return i if i is not None and self.load[i] < self.depth else None

    def send(self, worker: int, seq: int, payload: Any) -> None:
        Path(self.scratch, f"{seq}.in").write_bytes(pickle.dumps(payload, protocol=pickle.HIGHEST_PROTOCOL))
        self.conns[worker].send(seq)
        self.load[worker] += 1

    def collect(self, block: bool = False) -> list[tuple[int, Any]]:
        """(task number, result) of the tasks finished so far; with `block`, wait for at least one."""
        busy = [i for i, n in enumerate(self.load) if n]
        if block and busy:
            wait([self.conns[i] for i in busy])
        out = []
        for i in busy:
            conn = self.conns[i]
            while self.load[i] and conn.poll():
                try:
                    msg = conn.recv()
                except EOFError:
                    raise WorkerError(f"annotate worker {self.procs[i].pid} died "
                                      f"(exit code {self.procs[i].exitcode})") from None
                self.load[i] -= 1
                if msg[0] == "error":
                    raise WorkerError(f"annotate worker failed on task {msg[1]}:\n{msg[2]}")
                path = Path(self.scratch, f"{msg[1]}.out")
                out.append((msg[1], pickle.loads(path.read_bytes())))
                path.unlink()
        return out

    def close(self) -> None:
        for conn in self.conns:
            try:
                conn.send(None)
            except OSError:
                pass
        for proc in self.procs:
            proc.join(timeout=5)
            if proc.is_alive():
                proc.terminate()
                proc.join()
        for conn in self.conns:
            conn.close()
        self.procs, self.conns, self.load = [], [], []
        shutil.rmtree(self.scratch, ignore_errors=True)

