"""How an evaluation run is built: small mode, :class:`RunConfig`, the notebooks' environment variables, and
:func:`read_labelled` (from ``schema.ingest``: a judged-record file, every row valid or an error)."""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from workbench.config import DEFAULT_ENCODER, SYNTH_DIR
from workbench.schema.ingest import read_labelled

SMALL_ENV = "WORKBENCH_NB_SMALL"
MODEL_ENV = "WORKBENCH_NB_MODEL"


def small_mode() -> bool:
    """True when ``WORKBENCH_NB_SMALL`` is set to a true value (1, true, yes)."""
    return os.environ.get(SMALL_ENV, "").strip().lower() in {"1", "true", "yes", "on"}


@dataclass(frozen=True)
class RunConfig:
    """How an evaluation run is built. ``per_item``/``n_test`` None: every record."""

    encoder: str = DEFAULT_ENCODER
    per_item: int | None = None
    n_test: int | None = None
    head_backend: str = "auto"
    train_path: Path = SYNTH_DIR / "synthetic_train.csv"
    test_path: Path = SYNTH_DIR / "synthetic_test.csv"

    @classmethod
    def small(cls, **kw) -> "RunConfig":
        return cls(**{"encoder": "use", "per_item": 6, "n_test": 300, "head_backend": "sklearn", **kw})

    @classmethod
    def from_env(cls, small: bool | None = None) -> "RunConfig":
        return cls.small() if (small_mode() if small is None else small) else cls()


__all__ = ["MODEL_ENV", "SMALL_ENV", "RunConfig", "read_labelled", "small_mode"]
