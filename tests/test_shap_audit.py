"""SHAP audit of keyword attributions: the Kiwi tokenizer contract of shap.maskers.Text, additivity, and
agreement with the fast keyword attributions on one record (under 30 s)."""
from __future__ import annotations


import numpy as np
import pytest
import shap

from workbench.analysis import RunConfig, read_labelled, train_or_load
from workbench.explain.keywords import KeywordTokenizer
from workbench.explain.shap_audit import (KiwiShapTokenizer, compare_with_keywords, fast_keyword_weights,
                                          masker_segments, per_word, shap_keywords)
from workbench.recommend.text import compose
from workbench.schema.record import CompanyRecord
from workbench.schema.training import stratified_subset

TEXT = "리튬이온 배터리용 하이니켈 양극재를 제조합니다. 전기차 배터리 셀 제조사에 공급"


@pytest.fixture(scope="module")
def model_and_test():
    config = RunConfig.small()
    train = stratified_subset(read_labelled(config.train_path), config.per_item)
    rec = train_or_load(train, encoder=config.encoder, head_backend=config.head_backend)
    return rec, read_labelled(config.test_path)[: config.n_test]


def test_tokenizer_contract_for_the_text_masker():
    tok = KiwiShapTokenizer(KeywordTokenizer())
    out = tok(TEXT, return_offsets_mapping=True)
    words = tok.words(TEXT)
    assert len(out["input_ids"]) == len(out["offset_mapping"]) == len(words) >= 5
    assert out["offset_mapping"][0][0] == 0 and out["offset_mapping"][-1][1] == len(TEXT)
    assert tok("")["input_ids"] == []  # no special tokens: nothing kept as prefix/suffix
    masker = shap.maskers.Text(tok, mask_token=None, collapse_mask_token=False)
    n = len(words)
    (full,) = masker(np.ones(n, bool), TEXT)[0]
    assert full == " ".join(TEXT.split())  # unmasked = the whole text
    mask = np.ones(n, bool)
    mask[1] = False
    (masked,) = masker(mask, TEXT)[0]
    segments = masker_segments(TEXT, words)
    assert "".join(segments) == TEXT and words[1].text in segments[1]
    assert masked == " ".join((TEXT.replace(segments[1], " ", 1)).split())  # the unit is deleted
    assert [s.strip() for s in masker.feature_names(TEXT)[0]] == [s.strip() for s in segments]


def test_shap_audit_agrees_with_fast_keywords(model_and_test):
    rec, test = model_and_test
    P = rec.predict_proba(test[:60])
    i = int(np.flatnonzero(P.max(axis=1) > 0.6)[0])  # a record the model is sure about
    record, item = test[i], rec.items_[int(P[i].argmax())]
    audit = shap_keywords(rec, record, item, max_evals=300)
    assert audit.full_value == pytest.approx(P[i].max(), abs=1e-4)
    # Owen values are additive: they sum to f(text) − f(all words deleted)
    assert audit.words.shap_value.sum() == pytest.approx(audit.full_value - audit.base_value, abs=1e-3)
    text = compose(record).text
    assert len(audit.words) == len(rec.tokenizer_.words(text))
    for w in audit.words.itertuples():  # spans are field-relative, as the fast keywords'
        assert " ".join(getattr(record, w.field).split())[w.start:w.end] == w.surface
    fast = fast_keyword_weights(rec, record, item)  # every word's fast attribution, not just the top 5
    assert set(zip(fast.word, fast.field)) == set(zip(audit.words.word, audit.words.field))
    cmp = compare_with_keywords(audit, fast)
    assert cmp["top_shap_word"] == per_word(audit).word.iloc[0]
    assert per_word(audit).shap_value.iloc[0] > 0
    assert cmp["top_shap_in_fast_top"] or cmp["top_shap_sign_agrees"], cmp
    assert cmp["sign_agreement"] >= 0.5, cmp
    # the recommendation's own keyword list is what the explorer compares against
    top1 = rec.recommend(record).items[0]
    assert top1.item_code == item
    # the fast weights are the recommendation's own keyword numbers, every part's word terms included (lexical)
    assert rec.fusion_.weight("lexical") > 0
    weight = {(w, f): v for w, f, v in zip(fast.word, fast.field, fast.weight)}
    for kw in (k for k in top1.keywords if k.spans):
        assert weight[(kw.text, kw.field)] == pytest.approx(kw.weight, abs=1e-3), kw.text
    assert compare_with_keywords(audit, top1.keywords)["fast_top"]


def test_short_and_bad_inputs(model_and_test):
    rec, _ = model_and_test
    one = shap_keywords(rec, CompanyRecord(main_product="드론"), rec.items_[0], max_evals=20)
    assert len(one.words) == 1
    assert one.words.shap_value.iloc[0] == pytest.approx(one.full_value - one.base_value)
    with pytest.raises(KeyError, match="Z99999"):
        shap_keywords(rec, CompanyRecord(main_product="드론"), "Z99999")
