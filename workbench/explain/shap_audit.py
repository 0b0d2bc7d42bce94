"""Offline SHAP audit of keyword attributions (docs/recommender.md, "Keywords and rationale": SHAP Partition kept as an offline audit).

``shap_keywords(rec, record, item_code)`` explains the calibrated probability of one item for one record with
``shap.Explainer`` over a ``shap.maskers.Text`` masker. The masker's units are the Kiwi content words of
:class:`~workbench.explain.keywords.KeywordTokenizer` (the same units as the fast keyword attributions);
:class:`KiwiShapTokenizer` hands them to SHAP as ``input_ids`` + ``offset_mapping``. SHAP's Text masker
turns unit i into the text from its start to the next unit's start, so a unit carries its trailing particles,
spaces and punctuation; the first unit starts at 0 and the last ends at the text's end so that the unmasked
text is the record's text exactly. A masked unit is deleted (mask token ""), as in the occlusion attributor.

The model function re-encodes each masked text of the composed record text (uncached: masked variants
would only bloat the vector cache) and scores it with the record's structured fields unchanged, so only
the text is explained. Cost: about ``max_evals`` re-encodes per explanation — an on-demand audit, not
something to run per recommendation.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from workbench.explain.keywords import KeywordTokenizer, Word
from workbench.schema.record import CompanyRecord


class KiwiShapTokenizer:
    """SHAP tokenizer callable over Kiwi content words: ``{"input_ids", "offset_mapping"}``.

    ``mask_token`` / ``mask_token_id`` are attributes so that the Text masker uses them as-is (deletion)
    instead of tokenizing a mask string.
    """

    mask_token = ""
    mask_token_id = -1

    def __init__(self, tokenizer: KeywordTokenizer):
        self.tokenizer = tokenizer
        self._vocab: dict[str, int] = {}

    def words(self, s: str) -> list[Word]:
        return self.tokenizer.words(s) if s else []

    def __call__(self, s: str, return_offsets_mapping: bool = True, **_: object) -> dict:
        words = self.words(s)
        ids = [self._vocab.setdefault(w.text, len(self._vocab)) for w in words]
        out: dict = {"input_ids": ids}
        if return_offsets_mapping:
            offsets = [(w.start, w.end) for w in words]
            if offsets:
                offsets[0] = (0, offsets[0][1])
                offsets[-1] = (offsets[-1][0], len(s))
            out["offset_mapping"] = offsets
        return out


@dataclass
class ShapAudit:
    """SHAP values of one item's probability over the words of one record."""

    item_code: str
    # word (Kiwi form, as the fast keywords), surface (the text it covers), field, start/end (field-relative span),
    # segment (what masking deletes), shap_value — in text order
    words: pd.DataFrame
    base_value: float  # probability with every word deleted
    full_value: float  # probability of the record as it is
    max_evals: int
    seconds: float
    meta: dict = field(default_factory=dict)

    def top(self, n: int = 5, positive: bool = True) -> pd.DataFrame:
        """The n words with the largest (positive) / most negative SHAP values."""
        return self.words.sort_values("shap_value", ascending=not positive).head(n).reset_index(drop=True)


def probability_function(rec, record: CompanyRecord, item_index: int, encoder=None):
    """f(list[str]) → calibrated probability of item ``item_index`` for texts replacing the record's text."""
    encoder = encoder or getattr(rec.encoder_, "encoder", rec.encoder_)

    def f(texts) -> np.ndarray:
        texts = [str(t) for t in np.asarray(texts, dtype=object).ravel()]
        S = encoder.encode(texts, kind="query", batch_size=64)
        P = rec.proba(rec.score([record] * len(texts), S), [record] * len(texts))
        return P[:, item_index].astype(np.float64)

    return f


def shap_keywords(rec, record: CompanyRecord, item_code: str, max_evals: int = 300, encoder=None,
                  batch_size: int = 128, seed: int = 0) -> ShapAudit:
    """SHAP (Partition explainer, Owen values) of ``item_code``'s calibrated probability over the record's words.

    ``encoder`` defaults to the model's encoder without its vector cache.
    """
    import shap

    if item_code not in rec.items_:
        raise KeyError(f"item {item_code!r} is not an item of the model (revision {rec.revision})")
    composed = rec.compose(record)
    text = composed.text
    tok = KiwiShapTokenizer(rec.tokenizer_)
    words = tok.words(text)
    f = probability_function(rec, record, rec.items_.index(item_code), encoder)
    t0 = time.perf_counter()
    full = float(f([text])[0])
    if len(words) < 2:  # the Partition explainer needs two units (shap#3515): a single word takes it all
        base = float(f([""])[0])
        values = np.array([full - base] * len(words))
    else:
        masker = shap.maskers.Text(tok, mask_token=None, collapse_mask_token=False)
        explainer = shap.Explainer(f, masker, seed=seed)
        explanation = explainer([text], max_evals=max_evals, batch_size=batch_size, silent=True)
        values = np.asarray(explanation.values[0], dtype=np.float64)
        base = float(np.asarray(explanation.base_values).ravel()[0])
    seconds = time.perf_counter() - t0
    segments = masker_segments(text, words)
    rows = []
    for w, seg, v in zip(words, segments, values):
        loc = composed.locate(w.start, w.end)
        fld, a, b = loc if loc is not None else ("", w.start, w.end)
        rows.append({"word": w.text, "surface": text[w.start:w.end], "field": fld, "start": a, "end": b,
                     "segment": seg, "shap_value": float(v)})
    df = pd.DataFrame(rows, columns=["word", "surface", "field", "start", "end", "segment", "shap_value"])
    return ShapAudit(item_code=item_code, words=df, base_value=base, full_value=full, max_evals=max_evals,
                     seconds=round(seconds, 3), meta={"text": text, "n_words": len(words)})


def masker_segments(text: str, words: list[Word]) -> list[str]:
    """The text pieces SHAP's Text masker keeps or deletes per unit (see the module docstring)."""
    if not words:
        return []
    starts = [0] + [w.start for w in words[1:]]
    ends = [w.start for w in words[1:]] + [len(text)]
    return [text[a:b] for a, b in zip(starts, ends)]


def per_word(audit: ShapAudit) -> pd.DataFrame:
    """SHAP values summed per (word form, field) — the grouping the fast keyword list uses."""
    return (audit.words.groupby(["word", "field"], as_index=False, sort=False)["shap_value"].sum()
            .sort_values("shap_value", ascending=False, ignore_index=True))


def fast_keyword_weights(rec, record: CompanyRecord, item_code: str) -> pd.DataFrame:
    """The fast contrastive attributions of *every* word of the record to ``item_code`` — the numbers behind a
    recommendation's keyword list before it is cut to the top n: the text parts' exact-token (or occlusion)
    terms plus every other part's word terms (the lexical part's), as :meth:`Recommender.attribute` gives them.

    One row per (word form, field), weights summed over repeats, sorted by weight (largest first).
    """
    found = rec.attribute(record, [item_code])
    merged: dict[tuple[str, str], float] = {}
    for w, weight in zip(found.attribution.words, found.attribution.word_terms[:, 0]):
        loc = found.composed.locate(w.start, w.end)
        key = (w.text, loc[0] if loc else "")
        merged[key] = merged.get(key, 0.0) + float(weight)
    df = pd.DataFrame([{"word": k[0], "field": k[1], "weight": v} for k, v in merged.items()],
                      columns=["word", "field", "weight"])
    return df.sort_values("weight", ascending=False, ignore_index=True)


def compare_with_keywords(audit: ShapAudit, keywords, n: int = 5) -> dict:
    """How the SHAP audit agrees with the fast keyword attributions of the same item.

    ``keywords``: a recommendation item's :class:`~workbench.recommend.types.Keyword` list (text keywords
    only; it holds the top few) or the full table of :func:`fast_keyword_weights`. Returns the top SHAP word,
    whether it is among the fast top-``n``, whether its fast weight has the same sign, the sign agreement
    over shared words and their rank correlation (Spearman).
    """
    if isinstance(keywords, pd.DataFrame):
        fast = list(zip(keywords.word, keywords.field, keywords.weight))
    else:
        fast = [(k.text, k.field, k.weight) for k in keywords if k.spans]
    fast_weight = {(t, f): float(w) for t, f, w in fast}
    fast_top = [(t, f) for t, f, _ in sorted(fast, key=lambda x: -x[2])[:n]]
    sw = per_word(audit)
    shap_weight = {(r.word, r.field): r.shap_value for r in sw.itertuples()}
    top = (sw.word.iloc[0], sw.field.iloc[0]) if len(sw) else None
    shared = [k for k in fast_weight if k in shap_weight]
    agree = [np.sign(fast_weight[k]) == np.sign(shap_weight[k]) for k in shared if fast_weight[k] and shap_weight[k]]
    rho = None
    if len(shared) >= 3:
        a = pd.Series([fast_weight[k] for k in shared]).rank()
        b = pd.Series([shap_weight[k] for k in shared]).rank()
        rho = float(np.corrcoef(a, b)[0, 1]) if a.std() > 0 and b.std() > 0 else None
    return {"top_shap_word": top[0] if top else None, "top_shap_in_fast_top": top in fast_top if top else False,
            "top_shap_sign_agrees": bool(np.sign(fast_weight.get(top, 0.0)) == np.sign(shap_weight[top])) if top
            else False, "fast_top": [t for t, _ in fast_top], "shap_top": list(sw.word.head(n)),
            "sign_agreement": float(np.mean(agree)) if agree else None, "spearman": rho, "n_shared": len(shared)}


__all__ = ["KiwiShapTokenizer", "ShapAudit", "compare_with_keywords", "fast_keyword_weights", "masker_segments", "per_word",
           "probability_function", "shap_keywords"]
