"""Per-word contributions to the text-linear part of the item scores.

The fused score of item c has a part linear in the unit sentence vector s: L_c(s) = V[c] · s (head weights on
the embedding plus the definition-similarity term). Attributions are *contrastive*: for word w and item c they
measure w's share of (V[c] − Σ_k p_k V[k]) · s, i.e. of what lifts c above the probability-weighted average item.

- :class:`ExactTokenAttributor` — mean pooling makes s = m/‖m‖ with m the mean of token vectors h_t, so
  L_c(s) = Σ_t V[c]·h_t / (n‖m‖) splits exactly over tokens (one forward pass; docs/recommender.md, "Keywords and rationale"). Token terms
  are summed into the Kiwi words whose spans they overlap.
- :class:`OcclusionAttributor` — for encoders without token outputs: L_c(s) − L_c(s without w), one batched
  re-encode of the text with each word deleted.
"""
from __future__ import annotations

from abc import ABC, abstractmethod

import numpy as np

from workbench.encoders.base import Encoder, TokenEmbeddings
from workbench.explain.keywords import Word


class Attributor(ABC):
    @abstractmethod
    def attribute(self, texts: list[str], sentence: np.ndarray, tokens: list[TokenEmbeddings] | None,
                  words: list[list[Word]], directions: list[np.ndarray]) -> list[np.ndarray]:
        """For each text: (n_words, n_directions) contributions; ``directions[i]`` is (n_dirs, dim)."""


class ExactTokenAttributor(Attributor):
    def attribute(self, texts, sentence, tokens, words, directions):
        out = []
        for tok, ws, dirs in zip(tokens, words, directions):
            m = tok.vectors.mean(axis=0)
            per_token = tok.vectors @ dirs.T / (len(tok.vectors) * np.linalg.norm(m))  # (n_tok, n_dirs)
            out.append(overlap_matrix(ws, tok.spans) @ per_token)
        return out


class OcclusionAttributor(Attributor):
    def __init__(self, encoder: Encoder):
        self.encoder = encoder

    def attribute(self, texts, sentence, tokens, words, directions):
        occluded = [text[:w.start] + text[w.end:] for text, ws in zip(texts, words) for w in ws]
        vecs = self.encoder.encode(occluded, kind="query") if occluded else np.zeros((0, sentence.shape[1]))
        out, pos = [], 0
        for s, ws, dirs in zip(sentence, words, directions):
            v = vecs[pos:pos + len(ws)]
            pos += len(ws)
            out.append((s[None, :] - v) @ dirs.T)
        return out


def overlap_matrix(words: list[Word], spans: np.ndarray) -> np.ndarray:
    """(n_words, n_tokens) share of each token assigned to each word, by character overlap."""
    if not words or not len(spans):
        return np.zeros((len(words), len(spans)), np.float32)
    starts = np.array([w.start for w in words])[:, None]
    ends = np.array([w.end for w in words])[:, None]
    a, b = spans[:, 0][None, :], spans[:, 1][None, :]
    overlap = np.clip(np.minimum(ends, b) - np.maximum(starts, a), 0, None)  # prompt/special tokens: a = b = -1
    length = np.where(b > a, b - a, 1)
    return np.where(overlap.sum(axis=0, keepdims=True) > 0, overlap / length, 0.0).astype(np.float32)
