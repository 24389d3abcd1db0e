"""`python -m trainer --run-dir DIR [--resume]`: run one training run for an existing run directory."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m trainer", description="Run the trainer for one run directory.")
    p.add_argument("--run-dir", type=Path, required=True, help="run directory made by `alice-tui train`")
    p.add_argument("--resume", action="store_true", help="continue from the newest complete checkpoint")
    args = p.parse_args(argv)
    from trainer.run import run

    return run(args.run_dir, resume=args.resume)


if __name__ == "__main__":
    sys.exit(main())
