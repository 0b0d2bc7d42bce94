"""Install an encoder folder atomically: written to a temporary sibling, then renamed into place, so readers
never see a half-written model and concurrent builders do not clash."""
from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path


def install_folder(out_dir: str | os.PathLike, write: Callable[[Path], None],
                   is_current: Callable[[Path], bool], force: bool = False) -> Path:
    """Run ``write(tmp)`` and move ``tmp`` to ``out_dir``; skipped when ``is_current(out_dir)`` (unless ``force``)."""
    out_dir = Path(out_dir).resolve()
    if not force and is_current(out_dir):
        return out_dir
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.tmp-", dir=out_dir.parent))
    try:
        write(tmp)
        for path in (tmp, *tmp.rglob("*")):  # mkdtemp/safetensors create owner-only modes
            path.chmod(0o755 if path.is_dir() else 0o644)
        if out_dir.exists():
            old = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.old-", dir=out_dir.parent))
            with contextlib.suppress(FileNotFoundError):
                os.replace(out_dir, old / out_dir.name)
            shutil.rmtree(old, ignore_errors=True)
        try:
            os.replace(tmp, out_dir)
        except OSError:
            if not is_current(out_dir):  # lost a race to another builder
                raise
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return out_dir
