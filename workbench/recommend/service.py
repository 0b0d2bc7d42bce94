"""The trained model in use: newest folder under embeddings/models (or WORKBENCH_MODEL_DIR), loaded once
per process and shared by every app session and batch worker."""
from __future__ import annotations

import json
import os
import threading
from pathlib import Path

from workbench.config import MODELS_DIR
from workbench.recommend.recommender import Recommender

_lock = threading.Lock()
_loaded: dict[Path, Recommender] = {}


def latest_model_dir(root: Path = MODELS_DIR) -> Path | None:
    """Newest trained model by its manifest's creation time."""
    manifests = [(json.loads(p.read_text(encoding="utf-8"))["created"], p.parent) for p in Path(root).glob("*/manifest.json")]
    return max(manifests)[1] if manifests else None


def model_dir() -> Path:
    chosen = os.environ.get("WORKBENCH_MODEL_DIR")
    path = Path(chosen) if chosen else latest_model_dir()
    if path is None:
        raise FileNotFoundError(f"no trained model under {MODELS_DIR}; run `make setup` or `workbench train`")
    return path


def get_recommender() -> Recommender:
    """The process-wide recommender (loaded on first call, thread-safe)."""
    path = model_dir()
    with _lock:
        if path not in _loaded:
            _loaded[path] = Recommender.load(path)
        return _loaded[path]
