"""Encoder interface shared by every sentence encoder (swappable, BERTopic-style)."""
from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, get_args

import numpy as np

Kind = Literal["query", "passage"]
KINDS: tuple[str, ...] = get_args(Kind)


@dataclass(frozen=True)
class TokenEmbeddings:
    """Last-layer token vectors of one text: exactly the rows the encoder mean-pools.

    ``vectors``: (n_tokens, dim) float32, every pooled token including prompt and special tokens.
    ``spans``: (n_tokens, 2) int64 character spans ``[start, end)`` in the original text (without
    the prompt); (-1, -1) for prompt and special tokens. Spans exclude surrounding whitespace, so a
    whitespace-only piece has an empty span (start == end); spans may overlap when normalisation
    expands one character into several tokens (e.g. '㈜' -> '(', '주', ')').
    """

    vectors: np.ndarray
    spans: np.ndarray

    def __post_init__(self) -> None:
        if self.vectors.ndim != 2 or self.spans.shape != (len(self.vectors), 2):
            raise ValueError(f"bad shapes: vectors {self.vectors.shape}, spans {self.spans.shape}")

    @property
    def text_mask(self) -> np.ndarray:
        """Boolean mask of tokens that come from the original text (not prompt/special)."""
        return self.spans[:, 0] >= 0


class Encoder(ABC):
    """A sentence encoder returning L2-normalised float32 vectors."""

    id: str
    dim: int
    supports_tokens: bool = False
    bundle_dir: Path | None = None  # folder a saved model must carry (a fine-tuned encoder); None when installed

    @abstractmethod
    def encode(self, texts: Sequence[str], kind: Kind = "query", batch_size: int = 32,
               show_progress: bool = False) -> np.ndarray:
        """Encode ``texts`` into an (n, dim) float32 array of unit-norm rows (order preserved)."""

    def encode_with_tokens(self, texts: Sequence[str], kind: Kind = "query"
                           ) -> tuple[np.ndarray, list[TokenEmbeddings]]:
        """Sentence vectors and per-token vectors from one forward pass."""
        raise NotImplementedError(f"encoder {self.id!r} does not expose token embeddings")

    def __repr__(self) -> str:
        return f"{type(self).__name__}(id={self.id!r}, dim={self.dim})"


def as_text_list(texts: Sequence[str] | str) -> list[str]:
    """``texts`` as a list of str (a single str becomes a one-element list)."""
    if isinstance(texts, str):
        return [texts]
    out = list(texts)
    if not all(isinstance(t, str) for t in out):
        raise TypeError("texts must be strings")
    return out


def check_kind(kind: str) -> Kind:
    """Validate the ``kind`` argument."""
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}, got {kind!r}")
    return kind  # type: ignore[return-value]


def l2_normalize(x: np.ndarray) -> np.ndarray:
    """Row-wise L2 normalisation to float32 (all-zero rows stay zero)."""
    x = np.asarray(x, dtype=np.float32)
    norms = np.linalg.norm(x, axis=-1, keepdims=True)
    return x / np.where(norms > 0, norms, 1.0).astype(np.float32)


def pool_segments(vectors: np.ndarray, segments: Sequence[Sequence[str]]) -> np.ndarray:
    """One unit vector per group: the normalised mean of its rows (``vectors`` holds every segment in order)."""
    sizes = [len(s) for s in segments]
    if min(sizes, default=1) < 1 or sum(sizes) != len(vectors):
        raise ValueError("every group needs at least one segment, and one vector per segment")
    ends = np.cumsum(sizes)
    return l2_normalize(np.stack([vectors[e - n:e].mean(0) for e, n in zip(ends, sizes)]))


def encode_definitions(encoder: Encoder, segments: Sequence[Sequence[str]]) -> np.ndarray:
    """Item-definition vectors: each item's segments encoded as passages, then pooled (see ``pool_segments``)."""
    return pool_segments(encoder.encode([s for group in segments for s in group], kind="passage"), segments)
