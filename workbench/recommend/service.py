"""The trained model in use: newest folder under embeddings/models (or WORKBENCH_MODEL_DIR), loaded once
per process and shared by every app session and batch worker."""
from __future__ import annotations

import json
import os
import threading
from pathlib import Path

from workbench.config import DEFAULT_ENCODER, MODELS_DIR
from workbench.recommend.recommender import Recommender

_lock = threading.Lock()
_loaded: dict[Path, Recommender] = {}


def latest_model_dir(root: Path = MODELS_DIR, encoder: str | None = None) -> Path | None:
    """Newest trained model by its manifest's creation time; only models of ``encoder`` when given."""
    manifests = [json.loads(p.read_text(encoding="utf-8")) | {"dir": p.parent} for p in Path(root).glob("*/manifest.json")]
    created = [(m["created"], m["dir"]) for m in manifests if encoder is None or m.get("encoder") == encoder]
    return max(created)[1] if created else None


def model_dir() -> Path:
    """``WORKBENCH_MODEL_DIR``, else the newest model trained with ``WORKBENCH_ENCODER`` (default e5)."""
    chosen = os.environ.get("WORKBENCH_MODEL_DIR")
    path = Path(chosen) if chosen else latest_model_dir(encoder=DEFAULT_ENCODER)
    if path is None:
        raise FileNotFoundError(f"no trained {DEFAULT_ENCODER} model under {MODELS_DIR}; "
                                "run `make setup` or `workbench train`")
    return path


def get_recommender() -> Recommender:
    """The process-wide recommender (loaded on first call, thread-safe)."""
    path = model_dir()
    with _lock:
        if path not in _loaded:
            _loaded[path] = Recommender.load(path)
        return _loaded[path]
