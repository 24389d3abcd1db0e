"""The light manifest reader the console uses: stdlib only, finds, loads, pages."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from data_fixtures import ROOT, write_recipe

from datasets_build import build_from_recipe
from datasets_build.manifest import count_records, find_manifest, load_manifest, manifest_sha256, read_split


def test_reader_imports_nothing_heavy() -> None:
    code = ("import sys, datasets_build.manifest, datasets_build;"
            "print(' '.join(sorted(m for m in sys.modules if m.split('.')[0] in "
            "('torch', 'transformers', 'datasets', 'tokenizers', 'yaml', 'phonenumbers', 'numpy', 'py3langid'))))")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0 and out.stdout.strip() == "", out.stdout + out.stderr


def test_find_load_and_page(tmp_path: Path) -> None:
    recipe = write_recipe(tmp_path / "r.yaml", [{"type": "english_synthetic", "n": 60}],
                          splits={"golden": 5, "val": 0.1, "test": 0.1})
    ds = build_from_recipe(recipe, tmp_path / "out")
    split_dir = ds / "splits" / "v1"
    assert find_manifest(split_dir) == (split_dir / "manifest.json").resolve()
    (split_dir / "manifest.json").unlink()
    assert find_manifest(split_dir) == (ds / "manifest.json").resolve()  # walks up to the dataset dir
    assert load_manifest(split_dir)["name"] == "t" and load_manifest(ds / "manifest.json")["version"] == "v1"
    assert len(manifest_sha256(ds)) == 64 and manifest_sha256(ds) == manifest_sha256(ds / "manifest.json")
    train = split_dir / "train.jsonl"
    n = count_records(train)
    everything = read_split(train, limit=10_000)
    assert len(everything) == n
    assert read_split(train, limit=3, offset=2) == everything[2:5]
    assert read_split(train, limit=5, offset=n) == []
    assert find_manifest(tmp_path / "elsewhere") is None


def test_bad_files_are_clear_errors(tmp_path: Path) -> None:
    (tmp_path / "manifest.json").write_text(json.dumps({"hello": 1}))
    with pytest.raises(ValueError, match="not a dataset manifest"):
        load_manifest(tmp_path)
    split = tmp_path / "s.jsonl"
    split.write_text('{"id": 1}\n{oops\n')
    with pytest.raises(ValueError, match=r"s.jsonl:2: malformed JSON"):
        read_split(split)
