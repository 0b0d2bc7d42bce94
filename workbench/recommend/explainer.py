"""Keyword attributions read from the score parts: every word's and every code's exact contrastive term in the
fused logit of an item. The recommendation's keyword list and the SHAP audit's fast weights both come from here.

For item c with probabilities p, a term is measured against the probability-weighted competitors of c:
(e_c − q_c)·terms, q_c = p without c, renormalised (:func:`competitors`). Per part, with its fusion weight w
and the fusion's temperature T:

- parts linear in the unit sentence vector (``text_direction``): Σ w·direction / T, split over words by the
  attributor (exact for mean-pooled token outputs);
- parts with their own per-word decomposition (``word_terms``): their word terms, same directions;
- structured codes (``code_terms``): one pseudo-keyword per (label, field), terms summed over parts.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from workbench.encoders.base import TokenEmbeddings
from workbench.explain.attribution import Attributor
from workbench.explain.keywords import Word
from workbench.recommend.parts import Batch, ScorePart
from workbench.recommend.scoring import Fusion


@dataclass
class Attribution:
    """One record's evidence for its items ``top``: word terms (n_words, len(top)) and code terms (n_codes,
    n_items) with their (label, field)."""

    words: list[Word]
    word_terms: np.ndarray
    code_labels: list[tuple[str, str]]
    code_terms: np.ndarray

    def code_weights(self, p: np.ndarray, c: int) -> np.ndarray:
        """Each code's contrastive term for item c, as the words'."""
        return self.code_terms[:, c] - self.code_terms @ competitors(p, c)


class KeywordExplainer:
    """Attributions of a fitted model's fused logits to the record's words and codes."""

    def __init__(self, parts: dict[str, ScorePart], attributor: Attributor):
        self.parts = parts
        self.attributor = attributor

    def text_directions(self, fusion: Fusion, profile: str) -> np.ndarray:
        """V (n_items, dim): the weights of the part of the fused logit that is linear in the sentence vector, for
        records of evidence ``profile`` scored with ``fusion``."""
        V = None
        for name, part in self.parts.items():
            direction = part.text_direction(profile)
            if direction is not None:
                term = fusion.weight(name) * direction
                V = term if V is None else V + term
        return V / fusion.temperature

    def attribute(self, batch: Batch, texts: list[str], tokens: list[TokenEmbeddings] | None,
                  words: list[list[Word]], P: np.ndarray, tops: list[np.ndarray], fusions: list[Fusion],
                  V: list[np.ndarray]) -> list[Attribution]:
        """Per record i: the terms of its items ``tops[i]`` under ``fusions[i]`` (``V[i]``: its text directions)."""
        directions = [np.stack([v[c] - competitors(p, c) @ v for c in top]) for v, p, top in zip(V, P, tops)]
        contributions = self.attributor.attribute(texts, batch.S, tokens, words, directions)
        out = []
        for i, (top, fusion) in enumerate(zip(tops, fusions)):
            contrast = -np.stack([competitors(P[i], c) for c in top])
            contrast[np.arange(len(top)), top] += 1.0  # item c against its probability-weighted competitors
            for name, part in self.parts.items():
                w = fusion.weight(name)
                if w:
                    terms = part.word_terms(batch, i, texts[i], words[i], contrast * (w / fusion.temperature))
                    if terms is not None:
                        contributions[i] = contributions[i] + terms
            labels, terms = self.code_terms(batch, i, fusion, P.shape[1])
            out.append(Attribution(words[i], contributions[i], labels, terms))
        return out

    def code_terms(self, batch: Batch, row: int, fusion: Fusion, n_items: int) -> tuple[list[tuple[str, str]], np.ndarray]:
        """The record's structured pseudo-keywords — (label, field) — and each one's term in the fused logit of
        every item, (n, n_items) (a code that two parts read, e.g. the NST section, is one keyword)."""
        scale = 1.0 / fusion.temperature
        terms: dict[tuple[str, str], np.ndarray] = {}
        for name, part in self.parts.items():
            w = fusion.weight(name)
            if w:
                for key, t in part.code_terms(batch, row).items():
                    terms[key] = terms.get(key, 0.0) + t * (w * scale)
        return list(terms), np.array(list(terms.values()), np.float64).reshape(len(terms), n_items)


def competitors(p: np.ndarray, c: int) -> np.ndarray:
    """Probability weights of the items other than c (renormalised): the baseline of contrastive attributions."""
    q = p.astype(np.float64) + 1e-12
    q[c] = 0.0
    return q / q.sum()
