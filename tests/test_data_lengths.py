"""The demo data has no length confound: per language and domain, rejected answers are about as long as chosen.

A random-init model gives longer texts a lower log-probability, so if chosen answers were systematically
longer (as they once were: 88% of pairs), "base prefers chosen" would measure length, not preference.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from pathlib import Path

import pytest
import yaml

from datasets_build import pii
from datasets_build.builtin_tokenizer import count_tokens
from datasets_build.synthetic import generate

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def demo_lengths() -> dict[tuple[str, str, str], list[tuple[int, int]]]:
    """(chosen, rejected) token counts after PII masking, as the demo recipe's sources generate them."""
    recipe = yaml.safe_load((ROOT / "configs" / "data_demo.yaml").read_text())
    groups: dict[tuple[str, str, str], list[tuple[int, int]]] = defaultdict(list)
    for src in recipe["sources"]:
        lang = "sv" if src["type"] == "swedish_synthetic" else "en"
        pairs = generate(lang, src["n"], src["seed"])
        chosen = count_tokens(pii.mask(p["chosen"])[0] for p in pairs)
        rejected = count_tokens(pii.mask(p["rejected"])[0] for p in pairs)
        for p, c, r in zip(pairs, chosen, rejected, strict=True):
            groups[(lang, p["domain"], "*")].append((c, r))
            groups[(lang, p["domain"], p["rejected_kind"])].append((c, r))
    return groups


def _median_ratio(rows: list[tuple[int, int]]) -> float:
    return statistics.median(c / r for c, r in rows)


def _chosen_longer(rows: list[tuple[int, int]]) -> float:
    return sum(c > r for c, r in rows) / len(rows)


def test_chosen_and_rejected_lengths_match_per_language_and_domain(demo_lengths) -> None:
    domains = {k: v for k, v in demo_lengths.items() if k[2] == "*"}
    assert len(domains) == 6
    for key, rows in domains.items():
        assert len(rows) > 200, key
        assert abs(_median_ratio(rows) - 1) < 0.15, (key, _median_ratio(rows))
        assert 0.35 <= _chosen_longer(rows) <= 0.65, (key, _chosen_longer(rows))


def test_no_rejected_kind_is_given_away_by_length(demo_lengths) -> None:
    # Looser per kind (fewer pairs each): no kind may be markedly shorter or longer than its chosen answers.
    for key, rows in demo_lengths.items():
        if key[2] != "*" and len(rows) >= 25:
            assert abs(_median_ratio(rows) - 1) < 0.2, (key, _median_ratio(rows))
            assert 0.2 <= _chosen_longer(rows) <= 0.8, (key, _chosen_longer(rows))
