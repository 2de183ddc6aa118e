"""An earlier commit of this project, checked out beside it: a baseline run in the same run."""

from __future__ import annotations

import contextlib
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


@contextlib.contextmanager
def checkout(rev: str | None) -> Iterator[Path]:
    """This checkout (rev None), or a temporary git worktree of `rev`."""
    if rev is None:
        yield ROOT
        return
    with tempfile.TemporaryDirectory(prefix="baseline-") as tmp:
        path = Path(tmp) / "tree"
        subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", "--quiet",
                        str(path), rev], check=True)
        try:
            yield path
        finally:
            subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(path)],
                           check=False)
