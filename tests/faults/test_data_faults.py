"""Faults in the dataset builder's input: a 50 MB single-line record, an empty source file (issue #9)."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest
import yaml

from datasets_build.pipeline import build
from datasets_build.recipe import load
from datasets_build.records import DataError

ROOT = Path(__file__).resolve().parents[2]


def _pairs(n: int) -> list[str]:
    return [json.dumps({"prompt": f"Question {i}: how do I reset my password, please?",
                        "chosen": f"Open Settings, choose Security and follow step {i}; it takes a minute.",
                        "rejected": "No idea."}) for i in range(n)]


def _recipe(tmp: Path, sources: list[dict[str, Any]], file: str = "recipe.yaml", **top: Any) -> Path:
    # The pairs differ only in a number, so near-dup removal (not what these tests are about) is off.
    data = {"name": "faults", "version": "v1", "workers": 1, "max_tokens": 4096, "languages": ["en", "sv"],
            "near_dup": {"enabled": False},
            "splits": {"val": 0.0, "test": 0.0, "golden": 0}, "sources": sources, **top}
    path = tmp / file
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def _peak_rss_kib(recipe: Path, out: Path) -> tuple[int, subprocess.CompletedProcess[str]]:
    """Run `data build` in a fresh child of a fresh interpreter, so RUSAGE_CHILDREN holds that build alone."""
    runner = textwrap.dedent(f"""
        import resource, subprocess, sys
        p = subprocess.run([sys.executable, "-m", "datasets_build", "build", "--config", {str(recipe)!r},
                            "--out", {str(out)!r}], capture_output=True, text=True, timeout=300)
        sys.stderr.write(p.stdout + p.stderr)
        print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
        sys.exit(p.returncode)
    """)
    proc = subprocess.run([sys.executable, "-c", runner], capture_output=True, text=True, cwd=ROOT, timeout=360,
                          env={"PYTHONPATH": str(ROOT), "OMP_NUM_THREADS": "1", "PATH": "/usr/bin:/bin"})
    return int(proc.stdout.strip().splitlines()[-1]) if proc.stdout.strip() else 0, proc


def test_fifty_megabyte_line_is_dropped_without_parsing(tmp_path: Path) -> None:
    lines = _pairs(40)
    small = tmp_path / "small.jsonl"
    small.write_text("\n".join(lines) + "\n", encoding="utf-8")
    big = tmp_path / "big.jsonl"
    with open(big, "w", encoding="utf-8") as fh:
        fh.write("\n".join(lines[:20]) + "\n")
        # A real record, only huge: parsing it (let alone masking and tokenising it) is what must not happen.
        fh.write('{"prompt": "Summarise this log", "chosen": "' + "ok 1234 " * (50 * 2**20 // 8) + '", "rejected": "no"}\n')
        fh.write("\n".join(lines[20:]) + "\n")
    src = {"type": "local_jsonl", "name": "mail", "lang": "en", "on_error": "skip"}
    rss_small, p_small = _peak_rss_kib(_recipe(tmp_path, [{**src, "path": str(small)}], "a.yaml"), tmp_path / "out-a")
    rss_big, p_big = _peak_rss_kib(_recipe(tmp_path, [{**src, "path": str(big)}], "b.yaml"), tmp_path / "out-b")
    assert p_small.returncode == 0, p_small.stderr
    assert p_big.returncode == 0, p_big.stderr
    manifest = json.loads((tmp_path / "out-b" / "faults" / "manifest.json").read_text())
    entry = manifest["sources"]["mail"]
    assert entry["dropped"] == {"line_too_long": 1}
    assert (entry["read"], entry["kept"]) == (41, 40)
    # The raw file says where the line was, without the line.
    raw = (tmp_path / "out-b" / "faults" / "raw" / "mail.jsonl").read_text()
    assert f"{big}:21" in raw and len(raw) < 1 << 20
    assert rss_small > 0 and rss_big / rss_small < 2.5, (rss_big, rss_small)
    print(f"peak RSS: {rss_small} KiB without the line, {rss_big} KiB with it")


def test_overlong_line_under_on_error_fail_names_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "mail.jsonl"
    lines = _pairs(3)
    path.write_text(lines[0] + "\n" + lines[1] + "\n", encoding="utf-8")
    with open(path, "a", encoding="utf-8") as fh:
        fh.write('{"prompt": "' + "x" * 5000 + '", "chosen": "a", "rejected": "b"}\n' + lines[2] + "\n")
    recipe = load(_recipe(tmp_path, [{"type": "local_jsonl", "name": "mail", "lang": "en", "path": str(path),
                                      "max_line_bytes": 4096}]))
    with pytest.raises(DataError, match=rf"{path}:3: line too long \(5,0\d\d bytes > max_line_bytes 4,096\)"):
        build(recipe, tmp_path / "out")


def test_empty_source_file_under_on_error_fail_is_an_error_naming_the_file(tmp_path: Path) -> None:
    good = tmp_path / "good.jsonl"
    good.write_text("\n".join(_pairs(5)) + "\n", encoding="utf-8")
    empty = tmp_path / "empty.jsonl"
    empty.write_bytes(b"")
    recipe = load(_recipe(tmp_path, [{"type": "local_jsonl", "name": "good", "lang": "en", "path": str(good)},
                                     {"type": "local_jsonl", "name": "gone", "lang": "en", "path": str(empty)}]))
    with pytest.raises(DataError, match=rf"{empty}: source file is empty"):
        build(recipe, tmp_path / "out")
    assert not (tmp_path / "out" / "faults").exists()


def test_blank_only_source_file_under_on_error_skip_is_reported_in_the_manifest(tmp_path: Path) -> None:
    good = tmp_path / "good.jsonl"
    good.write_text("\n".join(_pairs(5)) + "\n", encoding="utf-8")
    blank = tmp_path / "blank.jsonl"
    blank.write_text("\n  \n\n", encoding="utf-8")
    recipe = load(_recipe(tmp_path, [{"type": "local_jsonl", "name": "good", "lang": "en", "path": str(good)},
                                     {"type": "local_jsonl", "name": "gone", "lang": "en", "path": str(blank)}],
                          on_error="skip"))
    manifest = json.loads((build(recipe, tmp_path / "out") / "manifest.json").read_text())
    assert manifest["sources"]["gone"]["warnings"] == [f"{blank}: source file is empty (no records)"]
    assert manifest["sources"]["gone"]["read"] == 0
    assert "warnings" not in manifest["sources"]["good"]
