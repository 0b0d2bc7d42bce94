"""Deletion test of keyword attributions: deleting an item's top keywords from the company's text must lower
that item's score more than deleting the same number of random words."""
from __future__ import annotations

import numpy as np

from workbench.schema.record import CompanyRecord


def delete_spans(record: CompanyRecord, spans: dict[str, list[tuple[int, int]]]) -> CompanyRecord:
    """A copy of the record with the given field-relative character spans removed."""
    values = record.to_dict()
    for field, field_spans in spans.items():
        text = " ".join(values[field].split())  # the form compose() uses, which the spans refer to
        for a, b in sorted(field_spans, reverse=True):
            text = text[:a] + text[b:]
        values[field] = text
    return CompanyRecord(**values)


def deletion_check(rec, records: list[CompanyRecord], k: int = 3, seed: int = 0) -> dict:
    """For each record's top-1 item: probability drop after deleting its top-k text keywords vs k random words."""
    rng = np.random.default_rng(seed)
    recs = rec.recommend_batch(records)
    index_of = {c: i for i, c in enumerate(rec.items_)}
    top_del, rand_del, targets = [], [], []
    for record, r in zip(records, recs):
        best = r.items[0]
        text_kw = [kw for kw in best.keywords if kw.spans][:k]
        composed = rec.compose(record)
        words = [(loc[0], loc[1], loc[2]) for w in rec.tokenizer_.words(composed.text)
                 if (loc := composed.locate(w.start, w.end)) is not None]
        chosen = {(kw.field, s) for kw in text_kw for s in kw.spans}
        pool = [w for w in words if (w[0], (w[1], w[2])) not in chosen]
        if len(text_kw) < k or len(pool) < k:
            continue
        spans_top: dict[str, list] = {}
        for kw in text_kw:
            spans_top.setdefault(kw.field, []).extend(kw.spans)
        spans_rand: dict[str, list] = {}
        for j in rng.choice(len(pool), k, replace=False):
            field, a, b = pool[j]
            spans_rand.setdefault(field, []).append((a, b))
        top_del.append(delete_spans(record, spans_top))
        rand_del.append(delete_spans(record, spans_rand))
        targets.append((index_of[best.item_code], best.confidence))
    if not targets:
        return {"n": 0}
    cols = np.array([t[0] for t in targets])
    base = np.array([t[1] for t in targets])
    p_top = rec.predict_proba(top_del)[np.arange(len(cols)), cols]
    p_rand = rec.predict_proba(rand_del)[np.arange(len(cols)), cols]
    drop_top, drop_rand = base - p_top, base - p_rand
    return {"n": len(cols), "k": k, "mean_drop_top_keywords": float(drop_top.mean()),
            "mean_drop_random_words": float(drop_rand.mean()),
            "share_top_drop_larger": float((drop_top > drop_rand).mean())}
