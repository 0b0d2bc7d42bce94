"""Swappable sentence encoders: ``get_encoder("e5")`` (default), ``"gemma"`` (stronger, slower) or ``"use"`` (fast).

Importing this package does not import torch; each encoder loads its runtime on first use.
"""
from __future__ import annotations

from pathlib import Path

from workbench.encoders.base import Encoder, Kind, TokenEmbeddings

ENCODER_NAMES = ("e5", "gemma", "use")
TUNABLE = ("e5", "gemma")  # sentence-transformers folders that ``EncoderTuner`` can fine-tune


def get_encoder(name: str = "e5", cache: bool = True, device: str = "auto",
                tuned: tuple[Path, str] | None = None) -> Encoder:
    """Build encoder ``name`` (one of ``ENCODER_NAMES``), wrapped in an on-disk vector cache unless ``cache=False``.

    ``device`` ("auto", "cpu", "cuda", ...) applies to e5 and gemma; "auto" picks CUDA when available.
    ``tuned``: (folder, id) of a copy fine-tuned by :class:`workbench.encoders.tuning.EncoderTuner`.
    """
    if tuned is not None and name not in TUNABLE:
        raise ValueError(f"only {TUNABLE} can be fine-tuned, not {name!r}")
    if name in TUNABLE:
        if name == "e5":
            from workbench.encoders.e5 import E5Encoder as Folder
        else:
            from workbench.encoders.gemma import GemmaEncoder as Folder
        encoder: Encoder = (Folder(tuned[0], device=device, model_id=tuned[1]) if tuned
                            else Folder(device=device))
    elif name == "use":
        from workbench.encoders.use import USEEncoder

        encoder = USEEncoder()
    else:
        raise ValueError(f"unknown encoder {name!r}; expected one of {ENCODER_NAMES}")
    if cache:
        from workbench.encoders.cache import CachedEncoder

        encoder = CachedEncoder(encoder)
    return encoder


__all__ = ["ENCODER_NAMES", "TUNABLE", "Encoder", "Kind", "TokenEmbeddings", "get_encoder"]
