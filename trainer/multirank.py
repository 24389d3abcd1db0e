"""`python -m trainer.multirank --run-dir DIR [--resume]`: one run on N data-parallel ranks via `accelerate launch`.

The launcher process of a multi-rank run, between `alice-tui train` and accelerate: `trainer.pid`
and the run lock are its, so `runs`, `ctl`, `resume` and the console see one run as they always do.
It does once what every rank needs (build the dataset, pin the base model), starts
`accelerate launch -m trainer` (torchrun underneath; the collectives are torch.distributed's),
turns SIGTERM into a graceful stop of rank 0 (which broadcasts it), and when a rank dies it ends the
others within a bounded time and records which rank died, so a run never hangs or leaves orphans.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from trainer import config as cfgmod
from trainer import launch, protocol, ranks, run_lock, rundir
from trainer.events import EventLog, scan

DEAD_RANK_GRACE_S = 10.0  # after a rank died, how long torchrun gets to end the others before we do
POLL_S = 0.2


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def accelerate_command(cfg: cfgmod.TrainConfig, run_dir: Path, resume: bool, port: int) -> list[str]:
    d = cfg.distributed
    cmd = [sys.executable, "-m", "accelerate.commands.launch", "--num_processes", str(d.num_processes),
           "--main_process_port", str(port)]
    if d.accelerate_config:
        cmd += ["--config_file", d.accelerate_config]  # DeepSpeed / FSDP / several machines: as the user wrote it
    else:
        # Plain DDP on this machine. `--multi_gpu` is torchrun's launcher; on a CPU-only box the ranks
        # then run gloo (DPOConfig use_cpu), which is how this is tested.
        cmd += ["--multi_gpu", "--num_machines", "1", "--mixed_precision", "no", "--dynamo_backend", "no"]
    cmd += ["-m", "trainer", "--run-dir", str(run_dir)]
    return cmd + (["--resume"] if resume else [])


def _record_failure(paths: rundir.RunPaths, attempt: int, message: str) -> None:
    """ERROR + FAILED in events.jsonl for a run whose rank 0 can no longer say it."""
    events = EventLog(paths.events, attempt=attempt)
    try:
        step = rundir.summarize(paths.root).step
        events.emit(protocol.ERROR, message=message)
        events.emit(protocol.STATE, state=protocol.FAILED, step=step)
    finally:
        events.close()


def _final_state_of(paths: rundir.RunPaths, attempt: int) -> str | None:
    state = None
    for ev in rundir.iter_events(paths.root):
        if ev.get("attempt") == attempt and ev.get("type") == protocol.STATE:
            state = ev.get("state")
    return state if state in protocol.FINAL_STATES else None


def _prepare(cfg: cfgmod.TrainConfig, paths: rundir.RunPaths, resume: bool) -> None:
    """What every rank would otherwise race to do: build the dataset, build and pin the base model."""
    from trainer import device as devmod
    from trainer.run import pin_base_model, read_data

    def log(message: str, level: str = "info") -> None:
        print(f"[{level}] launcher: {message}", flush=True)

    read_data(cfg, log)
    choice = devmod.choose(cfg.device.device, cfg.device.precision)
    pin_base_model(cfg, paths, resume, log, choice.precision)


def supervise(run_dir: Path, resume: bool) -> int:
    os.umask(launch.PRIVATE_UMASK)
    paths = rundir.RunPaths(Path(run_dir).resolve())
    try:
        run_lock.inherited_or_acquire(paths.root)
    except run_lock.Locked as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    attempt = scan(paths.events).attempts + 1
    try:
        cfg = cfgmod.load(paths.config)
        _prepare(cfg, paths, resume)
    except Exception as e:  # before any rank exists: this process is the only one that can say it
        _record_failure(paths, attempt, f"{type(e).__name__}: {e}")
        print(f"error: {e}", file=sys.stderr, flush=True)
        return 1
    port = cfg.distributed.main_process_port or free_port()
    env = {**os.environ, ranks.SUPERVISOR_ENV: str(os.getpid()), ranks.ATTEMPT_ENV: str(attempt)}
    env.pop(run_lock.ENV_FD, None)  # the lock stays with this process; ranks do not take it
    with contextlib.suppress(FileNotFoundError):
        for p in (paths.root / ranks.RANKS_DIR).glob("rank-*.pid"):
            p.unlink()  # a previous attempt's ranks
    proc = subprocess.Popen(accelerate_command(cfg, paths.root, resume, port), env=env, stdin=subprocess.DEVNULL)

    def on_signal(signum: int, frame: Any) -> None:
        # A graceful stop is rank 0's to broadcast; the other ranks hear it at the next step boundary.
        pid = ranks.rank_pids(paths.root).get(0)
        if pid and rundir.pid_alive(pid):
            os.kill(pid, signal.SIGTERM)

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    first_dead: tuple[int, int] | None = None
    dead_t = 0.0
    while proc.poll() is None:
        time.sleep(POLL_S)
        if first_dead is None:
            for rank, pid in sorted(ranks.rank_pids(paths.root).items()):
                if not rundir.pid_alive(pid) and _final_state_of(paths, attempt) is None:
                    first_dead, dead_t = (rank, pid), time.monotonic()
                    break
        elif time.monotonic() - dead_t > DEAD_RANK_GRACE_S:
            _kill_all(paths, proc)  # torchrun did not end the rest in time: nothing may hang
    code = proc.wait()
    for pid in ranks.rank_pids(paths.root).values():  # normally gone already
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    if _final_state_of(paths, attempt) is None:
        who = (f"rank {first_dead[0]} (pid {first_dead[1]}) died" if first_dead
               else f"the ranks ended without a final state (accelerate launch exit code {code})")
        _record_failure(paths, attempt, f"{who}; the other ranks were ended. See {paths.log}")
        return 1
    return 0 if code == 0 else 1


def _kill_all(paths: rundir.RunPaths, proc: subprocess.Popen[bytes]) -> None:
    for pid in ranks.rank_pids(paths.root).values():
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    with contextlib.suppress(ProcessLookupError):
        proc.kill()


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m trainer.multirank", description=__doc__)
    p.add_argument("--run-dir", type=Path, required=True)
    p.add_argument("--resume", action="store_true")
    args = p.parse_args(argv)
    return supervise(args.run_dir, args.resume)


if __name__ == "__main__":
    sys.exit(main())
