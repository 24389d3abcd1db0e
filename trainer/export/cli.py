"""`alice-tui export RUN --out DIR`: the adapter (or the merged model) ready to deploy, with a model card.

The export is built in a hidden temp dir beside DIR and renamed into place, so DIR is either complete or absent.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
from pathlib import Path
from typing import Any

from trainer import config as cfgmod
from trainer import rundir
from trainer.export import model_card, weights


def resolve_checkpoint(run_dir: Path, which: str) -> tuple[str, Path]:
    """('final' | 'checkpoint-N', its dir); a checkpoint without COMPLETE was torn and is refused."""
    if which == "final":
        path = run_dir / rundir.FINAL
        if not (path / "adapter_config.json").is_file():
            raise ValueError(f"{path}: no final adapter (the run has not finished); use --checkpoint STEP")
        return "final", path
    if not which.isdigit():
        raise ValueError(f"--checkpoint {which!r}: use 'final' or a step number")
    done = dict(rundir.checkpoints(run_dir))
    if int(which) not in done:
        steps = ", ".join(str(s) for s in done) or "none"
        raise ValueError(f"--checkpoint {which}: no complete checkpoint-{which} in {run_dir} (complete: {steps})")
    return f"checkpoint-{which}", done[int(which)]


def _versions() -> dict[str, str]:
    import peft
    import torch
    import transformers
    import trl

    return {"torch": torch.__version__, "transformers": transformers.__version__, "peft": peft.__version__,
            "trl": trl.__version__}


def export(run_dir: Path, out: Path, checkpoint: str = "final", merge: bool = False, dtype: str = "fp32",
           max_shard_size: str = "2GB") -> dict[str, Any]:
    """Write the export to `out` (which must not exist or be empty); returns what was written."""
    if not rundir.is_run_dir(run_dir):
        raise ValueError(f"{run_dir}: not a run directory (no {rundir.CONFIG})")
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise ValueError(f"--out {out}: exists and is not empty; pick a new directory")
    cfg = cfgmod.load(run_dir / rundir.CONFIG)
    label, adapter_dir = resolve_checkpoint(run_dir, checkpoint)
    from trainer import tiny_model

    base = rundir.pinned_base_model(run_dir) or tiny_model.resolve(cfg.model.name_or_path)
    tmp = out.with_name(f".{out.name}.tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    try:
        tok = weights.load_tokenizer(adapter_dir, base, cfg.model.revision)
        if merge:
            weights.export_merged(base, cfg.model.revision, adapter_dir, tmp, dtype, tok, max_shard_size)
        else:
            weights.export_adapter(adapter_dir, tmp)
        tok.save_pretrained(str(tmp))  # tokenizer_config.json carries the chat template
        info = {"run_dir": str(run_dir), "checkpoint": label, "merged": merge, "dtype": dtype if merge else None,
                "base": cfg.model.name_or_path, "base_resolved": base, "revision": cfg.model.revision,
                "versions": _versions()}
        info["files"] = sorted([p.name for p in tmp.iterdir()] + ["README.md", "export.json"])
        (tmp / "export.json").write_text(json.dumps(info, indent=2) + "\n")
        (tmp / "README.md").write_text(model_card.render(run_dir, cfg, info), encoding="utf-8")
        if out.exists():
            out.rmdir()
        tmp.replace(out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return {**info, "out": str(out)}


def make_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="alice-tui export",
                                description="Export a run's adapter, or the model merged with it, with a model card.")
    p.add_argument("run_dir", type=Path, metavar="RUN")
    p.add_argument("--checkpoint", default="final", help="final (default) or the STEP of a complete checkpoint")
    p.add_argument("--out", type=Path, required=True, help="new directory to write the export to")
    p.add_argument("--merge", action="store_true", help="merge the adapter into the base (merge_and_unload)")
    p.add_argument("--dtype", choices=weights.DTYPES, help="weights dtype of a merged export (default fp32)")
    p.add_argument("--max-shard-size", default="2GB", help="safetensors shard size of a merged export")
    p.add_argument("--push-to-hub", metavar="REPO", help="then upload the export to this hub repo (owner/name)")
    p.add_argument("--private", action="store_true", help="create the hub repo private")
    return p


def main(argv: list[str] | None = None) -> int:
    args = make_parser().parse_args(argv)
    for flag, given, needs, needed in (("--private", args.private, "--push-to-hub", args.push_to_hub),
                                       ("--dtype", args.dtype, "--merge", args.merge)):
        if given and not needed:
            # The adapter is exported exactly as trained; a dtype there would silently do nothing.
            print(f"alice-tui export: {flag} only applies with {needs}", file=sys.stderr)
            return 2
    try:
        info = export(args.run_dir, args.out, args.checkpoint, args.merge, args.dtype or "fp32", args.max_shard_size)
    except (ValueError, FileNotFoundError, cfgmod.ConfigError) as e:
        print(f"alice-tui export: {e}", file=sys.stderr)
        return 2
    print(json.dumps(info))
    if args.push_to_hub:
        from trainer.export import hub

        try:
            url = hub.push(args.out, args.push_to_hub, args.private, f"alice-tui export of {info['checkpoint']}")
        except (ValueError, ConnectionError) as e:
            print(f"alice-tui export: {e}", file=sys.stderr)
            return 3
        print(json.dumps({"pushed": url}))
    return 0
