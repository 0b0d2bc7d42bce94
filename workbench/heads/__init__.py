"""Logistic-regression heads: one interface, cuML on a CUDA device, scikit-learn otherwise."""
from __future__ import annotations

from pathlib import Path

import numpy as np

from workbench.heads.base import LinearHead


def cuda_available() -> bool:
    """True when cuML's runtime (cupy) sees at least one CUDA device; never imports cuML otherwise."""
    try:
        import cupy
        return cupy.cuda.runtime.getDeviceCount() > 0
    except Exception:  # cupy missing, no driver, no device
        return False


def make_head(backend: str = "auto", C: float = 10.0, max_iter: int = 300) -> LinearHead:
    """``backend``: "auto" (cuML when a CUDA device is present), "sklearn" or "cuml"."""
    if backend == "auto":
        backend = "cuml" if cuda_available() else "sklearn"
    if backend == "cuml":
        from workbench.heads.cuml_lr import CumlLogisticHead
        return CumlLogisticHead(C=C, max_iter=max_iter)
    if backend == "sklearn":
        from workbench.heads.sklearn_lr import SklearnLogisticHead
        return SklearnLogisticHead(C=C, max_iter=max_iter)
    raise ValueError(f"unknown head backend {backend!r}; expected auto, sklearn or cuml")


def load_head(path: Path) -> LinearHead:
    """A head saved by :meth:`LinearHead.save`, as a scikit-learn head (prediction is numpy whatever fitted it)."""
    from workbench.heads.sklearn_lr import SklearnLogisticHead

    d = np.load(path, allow_pickle=False)
    head = SklearnLogisticHead(C=float(d["C"]), max_iter=int(d["max_iter"]))
    head.backend = str(d["backend"])
    head.classes_, head.coef_, head.intercept_ = d["classes"], d["coef"], d["intercept"]
    return head


__all__ = ["LinearHead", "cuda_available", "load_head", "make_head"]
