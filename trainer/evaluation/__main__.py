"""Entry point of `python -m trainer.evaluation` (exec'd by `alice-tui eval`)."""

import sys

from trainer.evaluation.cli import main

sys.exit(main())
