"""Swappable sentence encoders: ``get_encoder("e5")`` (default) or ``get_encoder("use")``.

Importing this package does not import torch; each encoder loads its runtime on first use.
"""
from __future__ import annotations

from pathlib import Path

from workbench.encoders.base import Encoder, Kind, TokenEmbeddings

ENCODER_NAMES = ("e5", "use")


def get_encoder(name: str = "e5", cache: bool = True, device: str = "auto",
                tuned: tuple[Path, str] | None = None) -> Encoder:
    """Build encoder ``name`` ("e5" or "use"), wrapped in an on-disk vector cache unless ``cache=False``.

    ``device`` ("auto", "cpu", "cuda", ...) applies to e5 only; "auto" picks CUDA when available.
    ``tuned``: (folder, id) of an e5 copy fine-tuned by :class:`workbench.encoders.tuning.EncoderTuner`.
    """
    if tuned is not None and name != "e5":
        raise ValueError(f"only e5 can be fine-tuned, not {name!r}")
    if name == "e5":
        from workbench.encoders.e5 import E5Encoder

        encoder: Encoder = (E5Encoder(tuned[0], device=device, model_id=tuned[1]) if tuned
                            else E5Encoder(device=device))
    elif name == "use":
        from workbench.encoders.use import USEEncoder

        encoder = USEEncoder()
    else:
        raise ValueError(f"unknown encoder {name!r}; expected one of {ENCODER_NAMES}")
    if cache:
        from workbench.encoders.cache import CachedEncoder

        encoder = CachedEncoder(encoder)
    return encoder


__all__ = ["ENCODER_NAMES", "Encoder", "Kind", "TokenEmbeddings", "get_encoder"]
