"""The fault suite shares the fixtures of the tests one level up."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
