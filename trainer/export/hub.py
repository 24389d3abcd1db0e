"""Pushing an export to the Hugging Face Hub with huggingface_hub's own client (only when asked)."""

from __future__ import annotations

from pathlib import Path
from typing import Any


def plan(out: Path) -> list[Any]:
    """One CommitOperationAdd per exported file, paths relative to the export dir."""
    from huggingface_hub import CommitOperationAdd

    files = sorted(p for p in out.rglob("*") if p.is_file() and not p.name.startswith("."))
    return [CommitOperationAdd(path_in_repo=str(p.relative_to(out)), path_or_fileobj=str(p)) for p in files]


def push(out: Path, repo: str, private: bool, message: str) -> str:
    """Create (or reuse) the repo and upload the export in one commit; returns the commit URL."""
    from huggingface_hub import HfApi
    from huggingface_hub.errors import HFValidationError, OfflineModeIsEnabled
    from huggingface_hub.utils import validate_repo_id

    try:
        validate_repo_id(repo)
    except HFValidationError as e:
        raise ValueError(f"--push-to-hub {repo!r}: {e}") from e
    operations = plan(out)
    api = HfApi()
    try:
        api.create_repo(repo, private=private, repo_type="model", exist_ok=True)
        info = api.create_commit(repo, operations=operations, commit_message=message, repo_type="model")
    except OfflineModeIsEnabled as e:
        raise ConnectionError(f"--push-to-hub {repo}: the hub client is offline (HF_HUB_OFFLINE); "
                              f"{len(operations)} files are ready in {out}, push again when online") from e
    return str(info.commit_url)
