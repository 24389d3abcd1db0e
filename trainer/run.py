"""One training run, start to end: setup -> train -> cleanup, driven by the run directory.

`python -m trainer --run-dir DIR [--resume]` lands here. Everything the outside world learns
goes through events.jsonl and the control socket; the process exit code says how it ended
(0 finished or stopped, 1 failed, 2 refused to start).
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import signal
import sys
import time
import traceback
from pathlib import Path
from typing import Any

from trainer import checkpoints, faults, launch, loss_table, protocol, ranks, reporting, run_lock, rundir
from trainer import config as cfgmod
from trainer import device as devmod  # first: sets PYTORCH_ENABLE_MPS_FALLBACK before torch loads
from trainer.control import RunControl
from trainer.events import EventLog


def _write_pid(paths: rundir.RunPaths) -> None:
    # Under the run lock: the pid file is for readers (who runs this?), not what keeps trainers apart.
    tmp = paths.pid.with_suffix(".tmp")
    tmp.write_text(f"{os.getpid()}\n")
    os.replace(tmp, paths.pid)


def build_dpo_config(cfg: cfgmod.TrainConfig, run_dir: Path, choice: devmod.DeviceChoice,
                     has_eval: bool) -> Any:
    from trl import DPOConfig

    from trainer import liger

    t, d = cfg.training, cfg.dpo
    eval_every = t.eval_every_steps if has_eval else 0
    # transformers >= 5 renamed gradient_checkpointing (the old name warns on every config built, and TRL
    # builds several); older releases know only the old name.
    names = {f.name for f in dataclasses.fields(DPOConfig)}
    checkpointing = ({"activation_checkpointing": t.gradient_checkpointing} if "activation_checkpointing" in names
                     else {"gradient_checkpointing": t.gradient_checkpointing})
    return DPOConfig(
        **checkpointing,
        output_dir=str(run_dir), seed=cfg.seed, data_seed=cfg.seed,
        max_steps=t.max_steps, learning_rate=t.learning_rate, lr_scheduler_type=t.lr_scheduler,
        warmup_steps=round(t.warmup_ratio * t.max_steps),
        per_device_train_batch_size=t.per_device_batch_size, per_device_eval_batch_size=t.per_device_batch_size,
        gradient_accumulation_steps=t.gradient_accumulation_steps,
        max_grad_norm=t.max_grad_norm,
        weight_decay=t.weight_decay, logging_steps=t.logging_steps, logging_first_step=True,
        dataloader_num_workers=t.dataloader_num_workers,
        # Grouping uses the `length` column we add after tokenization; keep it past column removal.
        train_sampling_strategy="group_by_length" if t.group_by_length else "random",
        length_column_name="length", remove_unused_columns=not t.group_by_length,
        eval_strategy="steps" if eval_every else "no", eval_steps=eval_every or None,
        # Saves are decided by our callback (on request, every N steps, at stop and at the end), and pruned
        # by it too: HF's rotation knows nothing of COMPLETE markers.
        save_strategy="no", save_total_limit=None, disable_tqdm=True,
        report_to=reporting.trl_report_to(t.report_to, run_dir),
        loss_type=loss_table.names_of(d.loss_type), loss_weights=d.loss_weights, beta=d.beta,
        label_smoothing=d.label_smoothing, discopop_tau=d.discopop_tau, ld_alpha=d.ld_alpha,
        use_weighting=d.use_weighting, f_divergence_type=d.f_divergence_type,
        f_alpha_divergence_coef=d.f_alpha_divergence_coef,
        max_length=d.max_length, precompute_ref_log_probs=d.precompute_ref_log_probs,
        use_liger_kernel=liger.use_liger_kernel(cfg, choice.device),
        # Multi-rank only (ignored by one process): how long a collective may wait, and which backend.
        ddp_timeout=cfg.distributed.collective_timeout_s,
        ddp_backend=None if cfg.distributed.backend == "auto" else cfg.distributed.backend,
        **choice.trl_precision_args(),
    )


def _peft_config(cfg: cfgmod.TrainConfig) -> Any:
    from peft import LoraConfig

    lo = cfg.lora
    return LoraConfig(r=lo.r, lora_alpha=lo.alpha, lora_dropout=lo.dropout, target_modules=list(lo.target_modules),
                      bias=lo.bias, task_type="CAUSAL_LM")


def pin_base_model(cfg: cfgmod.TrainConfig, paths: rundir.RunPaths, resume: bool, log: Any,
                   precision: str = "fp32") -> str:
    """The base model to load, fixed at the run's first start.

    A built-in model is keyed by its tokenizer, which follows the project's demo corpus: if that
    changes between a run and its resume, re-resolving would quietly train a different base.
    """
    import json

    from trainer import tiny_model

    if resume and paths.base_model.is_file():
        pinned = json.loads(paths.base_model.read_text())
        if pinned.get("name_or_path") == cfg.model.name_or_path:
            source = str(pinned["resolved"])
            if Path(source).is_absolute() and not Path(source).exists():
                raise FileNotFoundError(f"model.name_or_path: the base model this run started from ({source}) is gone")
            return source
    source = tiny_model.resolve(cfg.model.name_or_path, precision)
    tmp = paths.base_model.with_suffix(".tmp")
    tmp.write_text(json.dumps({"name_or_path": cfg.model.name_or_path, "resolved": source,
                               "revision": cfg.model.revision}, indent=2) + "\n")
    os.replace(tmp, paths.base_model)
    if source != cfg.model.name_or_path:
        log(f"base model {cfg.model.name_or_path} -> {source}")
    return source


def load_model_and_tokenizer(cfg: cfgmod.TrainConfig, choice: devmod.DeviceChoice, source: str) -> tuple[Any, Any]:
    from transformers import AutoModelForCausalLM, AutoTokenizer

    devmod.quiet_library_warnings()

    kw: dict[str, Any] = {"revision": cfg.model.revision, "trust_remote_code": cfg.model.trust_remote_code}
    tok = AutoTokenizer.from_pretrained(source, **kw)
    if tok.pad_token is None:
        tok.pad_token = tok.eos_token
    if cfg.model.attn_implementation != "auto":
        kw["attn_implementation"] = cfg.model.attn_implementation
    model = AutoModelForCausalLM.from_pretrained(source, dtype=choice.torch_dtype(), **kw)
    model.config.use_cache = cfg.training.use_cache
    return model, tok


def read_data(cfg: cfgmod.TrainConfig, log: Any) -> tuple[Path, list[dict[str, Any]], list[dict[str, Any]] | None]:
    """Build (if needed) and check the splits; plain Python, so bad data fails before the heavy imports."""
    from trainer import data

    data_dir = data.ensure_dataset(cfg.data, log=log)
    train = data.read_records(data_dir / cfg.data.train_file, cfg.data.max_train_samples)
    val = None
    if cfg.data.eval_file and cfg.training.eval_every_steps:
        val = data.read_records(data_dir / cfg.data.eval_file)
    return data_dir, train, val


def build_trainer(cfg: cfgmod.TrainConfig, run_dir: Path, choice: devmod.DeviceChoice, callbacks: list[Any],
                  log: Any, train: list[dict[str, Any]], val: list[dict[str, Any]] | None, source: str) -> Any:
    """The configured TRL DPOTrainer: base model + peft_config, so the reference is the adapter-disabled base."""
    from trl import DPOTrainer

    from trainer import data

    train_ds = data.to_dataset(train)
    eval_ds = data.to_dataset(val) if val else None
    model, tok = load_model_and_tokenizer(cfg, choice, source)
    args = build_dpo_config(cfg, run_dir, choice, has_eval=eval_ds is not None)
    trainer = DPOTrainer(model=model, args=args, train_dataset=train_ds, eval_dataset=eval_ds,
                         processing_class=tok, peft_config=_peft_config(cfg), callbacks=callbacks)
    kept = len(trainer.train_dataset)
    if kept < len(train_ds):
        log(f"{len(train_ds) - kept} of {len(train_ds)} training pairs dropped: their prompt alone fills "
            f"dpo.max_length={cfg.dpo.max_length}", level="warning")
    if cfg.training.group_by_length:
        trainer.train_dataset = trainer.train_dataset.map(data.token_length, desc="Measuring lengths")
        if eval_ds is not None:
            trainer.eval_dataset = trainer.eval_dataset.map(data.token_length)
    log(f"tokenized: {kept} training pairs" + (f", {len(trainer.eval_dataset)} eval pairs" if eval_ds is not None else ""))
    return trainer


def save_final(trainer: Any, final_dir: Path, w: ranks.World | None = None) -> None:
    """Adapter + tokenizer, written to a temp dir and renamed, so `final/` is never half there.

    Every rank calls save_model (sharded states need all of them); rank 0 writes and renames.
    """
    import shutil

    main = w is None or w.is_main
    tmp = final_dir.with_name(final_dir.name + ".tmp")
    if main:
        shutil.rmtree(tmp, ignore_errors=True)
    if w is not None:
        ranks.barrier(w)
    trainer.save_model(str(tmp))
    if w is not None:
        ranks.barrier(w)
    if main:
        trainer.processing_class.save_pretrained(str(tmp))
        shutil.rmtree(final_dir, ignore_errors=True)
        os.replace(tmp, final_dir)


def run(run_dir: Path, resume: bool = False) -> int:
    from trainer.control_server import ControlServer

    os.umask(launch.PRIVATE_UMASK)  # checkpoints, logs and events are as private as the run dir
    paths = rundir.RunPaths(Path(run_dir).resolve())
    if not paths.config.is_file():
        print(f"error: {paths.root} has no {rundir.CONFIG}; create runs with `alice-tui train`", file=sys.stderr)
        return 2
    w = ranks.world()
    if w.distributed:
        # One of N ranks under trainer.multirank, which holds the run lock and trainer.pid.
        ranks.watch_supervisor(first_delay_s=faults.supervisor_watch_delay_s(w.rank))
        ranks.write_rank_pid(paths.root, w)
    else:
        try:
            lock_fd = run_lock.inherited_or_acquire(paths.root)  # held until this process ends, however it ends
        except run_lock.Locked as e:
            print(f"error: {e}", file=sys.stderr)
            return 2
        os.set_inheritable(lock_fd, False)
        _write_pid(paths)
    faults.at_start()
    if not w.is_main:
        return _run_rank(paths, resume, w)
    attempt = os.environ.get(ranks.ATTEMPT_ENV)
    events = EventLog(paths.events, attempt=int(attempt) if attempt else None)
    if resume:
        # First event of the attempt: readers drop the dead attempt's steps after this checkpoint.
        ckpt = rundir.newest_complete_checkpoint(paths.root)
        events.emit(protocol.RESUMED, from_step=checkpoints.step_of(ckpt) if ckpt else 0,
                    checkpoint=ckpt.name if ckpt else None)
    rc = RunControl(events, paths.root, max_steps=0)
    server = ControlServer(paths.socket, rc, events)
    cleanup = contextlib.ExitStack()

    def log(message: str, level: str = "info") -> None:
        print(f"[{level}] {message}", flush=True)
        events.emit(protocol.LOG, level=level, message=message)

    def on_signal(signum: int, frame: Any) -> None:
        ranks.exit_if_supervisor_gone()  # torchrun ending us after the launcher died: interrupted, not stopped
        rc.request_stop()  # graceful: checkpoint at the next step boundary, then exit

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    code = 0
    try:
        server.start()
        if events.damage.lines:
            log(events.damage.describe(paths.events), level="warning")
        cfg = cfgmod.load(paths.config)
        rc.set_progress(0, cfg.training.max_steps)
        rc.set_state(protocol.STARTING, pid=os.getpid(), resume=resume)
        rc.set_state(protocol.LOADING)
        code = _train(cfg, paths, rc, log, resume, cleanup, w)
    except Exception as e:  # the run failed: say so in the log and the events, then exit non-zero
        ranks.exit_if_supervisor_gone()  # a peer left because the launcher died: the run is interrupted
        tb = traceback.format_exc()
        print(tb, file=sys.stderr, flush=True)
        events.emit(protocol.ERROR, message=_dead_ranks_note(paths, w) + f"{type(e).__name__}: {e}", traceback=tb)
        rc.set_state(protocol.FAILED)
        code = 1
    finally:
        cleanup.close()
        events.drain(2.0)
        server.close()
        events.close()
        with contextlib.suppress(FileNotFoundError):
            if rundir.read_pid(paths.root) == os.getpid():
                paths.pid.unlink()
    return code


def _dead_ranks_note(paths: rundir.RunPaths, w: ranks.World) -> str:
    """In a multi-rank run, a collective error is what a dead peer looks like: name the dead ranks."""
    if not w.distributed:
        return ""
    dead = [f"rank {r} (pid {pid})" for r, pid in sorted(ranks.rank_pids(paths.root).items())
            if not rundir.pid_alive(pid)]
    return (", ".join(dead) + " died; ") if dead else ""


def _run_rank(paths: rundir.RunPaths, resume: bool, w: ranks.World) -> int:
    """A rank other than 0: the same training, with no socket and no events (rank 0 speaks for the run)."""
    from trainer.events import NullEventLog

    rc = RunControl(NullEventLog(), paths.root, max_steps=0)
    # torchrun's SIGTERM (a peer died, or the run is ending) ends this rank at once; a graceful stop
    # reaches it as rank 0's broadcast word, never as a signal.
    signal.signal(signal.SIGTERM, lambda signum, frame: os._exit(128 + signum))
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    cleanup = contextlib.ExitStack()
    try:
        cfg = cfgmod.load(paths.config)
        rc.set_progress(0, cfg.training.max_steps)
        return _train(cfg, paths, rc, lambda message, level="info": None, resume, cleanup, w)
    except Exception:
        print(f"[error] rank {w.rank}: {traceback.format_exc()}", file=sys.stderr, flush=True)
        return 1
    finally:
        cleanup.close()


def _finish_from_checkpoint(ckpt: Path, max_steps: int, paths: rundir.RunPaths, rc: RunControl, log: Any) -> int:
    """A resume whose newest checkpoint is already at max_steps: nothing to train, only `final/` to write.

    The crash came after the last checkpoint and before `final/`; training on would run step max+1.
    """
    step = checkpoints.step_of(ckpt)
    checkpoints.copy_model_files(ckpt, paths.final)
    rc.set_progress(step, max_steps)
    rc.checkpoint_done(step)
    log(f"{ckpt.name} is at max_steps={max_steps}: nothing left to train; final adapter copied to {paths.final}")
    rc.set_state(protocol.FINISHED)
    return 0


def _train(cfg: cfgmod.TrainConfig, paths: rundir.RunPaths, rc: RunControl, log: Any, resume: bool,
           cleanup: contextlib.ExitStack, w: ranks.World | None = None) -> int:
    w = w or ranks.World(0, 1)
    ckpt = rundir.newest_complete_checkpoint(paths.root) if resume else None
    if ckpt is not None:
        checkpoints.verify(ckpt)  # one clear line about a damaged file, not a loader traceback later
        if checkpoints.step_of(ckpt) >= cfg.training.max_steps:
            if not w.is_main:
                return 0
            return _finish_from_checkpoint(ckpt, cfg.training.max_steps, paths, rc, log)
    data_dir, train, val = read_data(cfg, log)
    if cfg.training.eval_every_steps and not val:
        log("training.eval_every_steps is set but data.eval_file is null: no periodic evaluation", level="warning")
    log(f"data: {len(train)} training pairs from {data_dir / cfg.data.train_file}"
        + (f", {len(val)} eval pairs" if val else ""))
    choice = devmod.choose(cfg.device.device, cfg.device.precision)
    from trainer import mps

    mps.apply_env(cfg.device)  # before the first MPS allocation, which reads it
    import torch

    from trainer.callback import RunCallback, StopTraining
    from trainer.resources import ResourceSampler

    if cfg.device.num_threads:
        torch.set_num_threads(cfg.device.num_threads)
    log(f"device {choice.device}, precision {choice.precision}, torch {torch.__version__}, "
        f"{torch.get_num_threads()} threads")
    sampler = ResourceSampler(rc.events, choice.device, world=w, run_dir=paths.root)
    sampler.start()
    cleanup.callback(sampler.stop)
    callback = RunCallback(rc, cfg.checkpointing.save_every_steps, cfg.checkpointing.save_total_limit, w)
    t0 = time.monotonic()
    # Ranks read the base model the launcher pinned; building it N times at once would race.
    source = pin_base_model(cfg, paths, resume or w.distributed, log, choice.precision)
    trainer = build_trainer(cfg, paths.root, choice, [callback, *mps.callbacks(cfg.device, choice.device)], log,
                            train, val, source)
    callback.trainer = trainer
    log(f"setup took {time.monotonic() - t0:.1f}s")
    if resume:
        log(f"resuming from {ckpt.name}" if ckpt else "no complete checkpoint: starting from step 0",
            level="info" if ckpt else "warning")
        if ckpt is not None:
            rc.checkpoint_done(checkpoints.step_of(ckpt))
    if rc.want_stop:
        rc.set_state(protocol.STOPPED)
        return 0
    try:
        trainer.train(resume_from_checkpoint=str(ckpt) if ckpt else None)
    except StopTraining:
        pass
    step = trainer.state.global_step
    rc.set_progress(step, trainer.state.max_steps)
    save_final(trainer, paths.final, w)
    log(f"final adapter saved to {paths.final}")
    rc.set_state(protocol.FINISHED if step >= trainer.state.max_steps else protocol.STOPPED)
    return 0
