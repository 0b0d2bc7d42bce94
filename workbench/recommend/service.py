"""The trained model in use: newest folder under embeddings/models (or WORKBENCH_MODEL_DIR), loaded once per process
and shared by every app session and batch worker.

A model is loaded and answers one 판별 before it serves, so the first examiner does not pay for lazy set-up.
:func:`watch` (started by the app) loads a newer model that appears — the fine-tuned one that the first set-up trains
in the background — off the request path and swaps it in without a restart.
"""
from __future__ import annotations

import json
import logging
import os
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from workbench.config import DEFAULT_ENCODER, MODELS_DIR
from workbench.recommend.recommender import Recommender
from workbench.schema.record import CompanyRecord

log = logging.getLogger(__name__)

WARM_RECORD = CompanyRecord(main_product="리튬이온 배터리 양극재", product_use="전기차 배터리 셀 제조용 양극 소재",
                            tech_project="고용량 양극재 개발", industry_name="일차전지 및 이차전지 제조업")


@dataclass(frozen=True)
class Serving:
    """The model answering now."""

    path: Path
    recommender: Recommender
    tuned: bool  # its encoder was fine-tuned on the history (False: the quick first-run model)
    since: float  # time.time() when it started serving


_lock = threading.Lock()  # one load at a time; readers never wait for it once a model serves
_serving: Serving | None = None
_failed: set[Path] = set()  # newer models that did not load: not retried every interval
_watcher: threading.Thread | None = None


def _manifest(path: Path) -> dict | None:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):  # being written by a training run right now
        return None


def latest_model_dir(root: Path | None = None, encoder: str | None = None) -> Path | None:
    """Newest trained model under ``root`` (default ``MODELS_DIR``) by its manifest's creation time; only models of
    ``encoder`` when given."""
    manifests = [(m, p.parent) for p in Path(root or MODELS_DIR).glob("*/manifest.json") if (m := _manifest(p)) is not None]
    created = [(m["created"], d) for m, d in manifests if encoder is None or m.get("encoder") == encoder]
    return max(created)[1] if created else None


def is_tuned(path: Path) -> bool:
    """Whether the model at ``path`` has a fine-tuned encoder (its manifest records the tuning)."""
    m = _manifest(Path(path) / "manifest.json")
    return bool(m and m.get("tuning"))


def model_dir() -> Path:
    """``WORKBENCH_MODEL_DIR``, else the newest model trained with ``WORKBENCH_ENCODER`` (default e5)."""
    chosen = os.environ.get("WORKBENCH_MODEL_DIR")
    path = Path(chosen) if chosen else latest_model_dir(encoder=DEFAULT_ENCODER)
    if path is None:
        raise FileNotFoundError(f"no trained {DEFAULT_ENCODER} model under {MODELS_DIR}; "
                                "run `make setup` or `workbench train`")
    return path


def load_warm(path: Path) -> Recommender:
    """Load the model at ``path`` and answer one 판별 with it, so its first real one is as fast as the next."""
    rec = Recommender.load(path)
    rec.recommend(WARM_RECORD)
    return rec


def refresh() -> bool:
    """Serve :func:`model_dir` if it is not serving yet (loaded and warmed first); True when it was swapped in."""
    global _serving
    with _lock:
        path = model_dir()
        if _serving is not None and (_serving.path == path or path in _failed):
            return False
        started = time.perf_counter()
        try:
            rec = load_warm(path)
        except Exception:
            _failed.add(path)
            raise
        _serving = Serving(path, rec, is_tuned(path), time.time())
        log.info("serving model %s (%s) after %.1f s", rec.model_id_, "fine-tuned" if _serving.tuned else
                 "not fine-tuned", time.perf_counter() - started)
        return True


def serving() -> Serving | None:
    """The model answering now, or None before the first load."""
    return _serving


def get_recommender() -> Recommender:
    """The process-wide recommender (loaded and warmed on first call, thread-safe)."""
    if _serving is None:
        refresh()
    return _serving.recommender


def watch(interval_s: float = 30.0) -> threading.Thread:
    """Check every ``interval_s`` for a newer model and swap it in (one daemon thread per process, however often
    called); a model that fails to load is logged once and the serving one stays."""
    global _watcher

    def loop() -> None:
        while True:
            time.sleep(interval_s)
            try:
                refresh()
            except Exception:
                log.exception("could not load the newer model; the current one keeps serving")

    with _lock:
        if _watcher is None:
            _watcher = threading.Thread(target=loop, name="workbench-model-watch", daemon=True)
            _watcher.start()
        return _watcher
