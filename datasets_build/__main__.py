"""`python -m datasets_build ...` (what `alice-tui data ...` runs)."""

import sys

from datasets_build.cli import main

sys.exit(main())
