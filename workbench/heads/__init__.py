"""Logistic-regression heads: one interface, cuML on a CUDA device, scikit-learn otherwise."""
from __future__ import annotations

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


__all__ = ["LinearHead", "cuda_available", "make_head"]
