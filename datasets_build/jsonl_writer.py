"""JSONL output that is hashed while it is written, so the manifest's sha256/bytes/records need no re-read."""

from __future__ import annotations

import hashlib
from pathlib import Path
from types import TracebackType
from typing import Any

from datasets_build.records import dumps


class JsonlWriter:
    """Appends rows as JSON lines: raw input lines and pre-serialised records as they are, others dumped."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.fh = open(path, "wb")  # noqa: SIM115 - closed in close(), the writer lives across calls
        self.hash = hashlib.sha256()
        self.bytes = 0
        self.records = 0

    def write(self, rows: list[Any]) -> None:
        if not rows:
            return
        lines = [row if isinstance(row, str) else dumps(row) for row in rows]
        self.records += sum(1 for line in lines if line.strip())
        data = ("\n".join(lines) + "\n").encode()
        self.hash.update(data)
        self.bytes += self.fh.write(data)

    def close(self) -> dict[str, Any]:
        """The file's manifest entry: sha256, bytes, records (non-blank lines)."""
        self.fh.close()
        return {"sha256": self.hash.hexdigest(), "bytes": self.bytes, "records": self.records}

    def discard(self) -> None:
        """Close the file if close() did not (a failed build; its directory is removed anyway)."""
        if not self.fh.closed:
            self.fh.close()

    def __enter__(self) -> JsonlWriter:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.discard()


def write_jsonl(path: Path, rows: list[Any]) -> dict[str, Any]:
    """Write `rows` to `path` in one go; returns the manifest entry."""
    with JsonlWriter(path) as out:
        for i in range(0, len(rows), 1000):
            out.write(rows[i:i + 1000])
        return out.close()
