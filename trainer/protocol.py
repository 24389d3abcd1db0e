"""The control protocol: newline-delimited JSON over a Unix socket, and the event vocabulary.

Light module shared by the trainer (server) and the console (client).
"""

from __future__ import annotations

import json
import time
from typing import Any

MAX_LINE_BYTES = 64 * 1024

# One request, one reply: what `alice-tui ctl` offers (its choices are this tuple) and the console sends.
CONTROL_COMMANDS = ("status", "pause", "resume", "checkpoint", "stop")
# Streams events until the client goes away, so it is no `ctl` action.
SUBSCRIBE = "subscribe"
COMMANDS = (*CONTROL_COMMANDS, SUBSCRIBE)

# Event types (every event has seq, t, type).
STATE = "state"
STEP = "step"
RESOURCES = "resources"
CHECKPOINT = "checkpoint"
EVAL = "eval"
LOG = "log"
ERROR = "error"
# First event of a resumed attempt: {"from_step": N, "attempt": K}. Every event carries "attempt".
RESUMED = "resumed"
EVENT_TYPES = (STATE, STEP, RESOURCES, CHECKPOINT, EVAL, LOG, ERROR, RESUMED)

# Run states. "interrupted" is never emitted: readers infer it from a dead pid without a final state.
STARTING, LOADING, TRAINING, PAUSED, CHECKPOINTING, STOPPING = (
    "starting", "loading", "training", "paused", "checkpointing", "stopping")
FINISHED, STOPPED, FAILED = "finished", "stopped", "failed"
INTERRUPTED = "interrupted"
FINAL_STATES = (FINISHED, STOPPED, FAILED)
LIVE_STATES = (STARTING, LOADING, TRAINING, PAUSED, CHECKPOINTING, STOPPING)

STEP_FIELDS = ("step", "max_steps", "loss", "rewards/accuracies", "rewards/margins", "rewards/chosen",
               "rewards/rejected", "learning_rate", "grad_norm", "tokens_per_s", "step_time_s", "eta_s", "epoch")
RESOURCE_FIELDS = ("cpu_percent", "rss_bytes", "sys_mem_percent", "device", "device_mem_bytes",
                   # multi-rank runs: every rank's figures, their sums and the rank using the most memory
                   "ranks", "rss_bytes_sum", "device_mem_bytes_sum", "worst_rank")


class ProtocolError(ValueError):
    pass


def encode(obj: dict[str, Any]) -> bytes:
    return (json.dumps(obj, separators=(",", ":"), allow_nan=False, default=str) + "\n").encode()


def decode_request(line: bytes) -> dict[str, Any]:
    """Parse one request line; raise ProtocolError with a message fit for the error reply."""
    if len(line) > MAX_LINE_BYTES:
        raise ProtocolError(f"request too large ({len(line)} bytes > {MAX_LINE_BYTES})")
    try:
        obj = json.loads(line.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise ProtocolError(f"malformed request: {e}") from None
    if not isinstance(obj, dict):
        raise ProtocolError("request must be a JSON object")
    cmd = obj.get("cmd")
    if cmd not in COMMANDS:
        raise ProtocolError(f"unknown command {cmd!r} (known: {', '.join(COMMANDS)})")
    return obj


def ok(**fields: Any) -> dict[str, Any]:
    return {"ok": True, **fields}


def error(message: str) -> dict[str, Any]:
    return {"ok": False, "error": message}


def clean_number(v: Any) -> Any:
    """JSON has no NaN/inf; a diverged loss is reported as null rather than breaking the stream."""
    if isinstance(v, float) and (v != v or v in (float("inf"), float("-inf"))):
        return None
    return v


def make_event(seq: int, type_: str, **fields: Any) -> dict[str, Any]:
    return {"seq": seq, "t": round(time.time(), 3), "type": type_,
            **{k: clean_number(v) for k, v in fields.items()}}
