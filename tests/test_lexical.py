"""Lexical part: character n-gram spans, TF-IDF cosine to definitions, exact per-character decomposition, state."""
from __future__ import annotations

import numpy as np
import pytest

from workbench.recommend.lexical import LexicalDefinitions, lexical_text, ngram_spans
from workbench.recommend.text import compose
from workbench.schema.record import CompanyRecord

DEFINITIONS = ["리튬이차전지 양극 활물질 및 양극재 제조", "폐기물 고온 용융 유리화 설비", "자율주행 차량용 라이다 센서"]
CORPUS = ["하이니켈 양극 활물질 NCM811", "슬래그 유리화 자원화 설비", "차량용 Lidar 센서 모듈", "의료영상 AI 판독"]


@pytest.fixture(scope="module")
def lexical() -> LexicalDefinitions:
    return LexicalDefinitions().fit(DEFINITIONS, CORPUS)


def test_ngram_spans_cover_their_characters():
    text = "양극 활물질, NCM811 소재"
    spans = ngram_spans(text, (1, 3))
    assert spans and all(0 <= a < b <= len(text) for _, a, b in spans)
    for gram, a, b in spans:
        assert text[a:b].lower() == gram.strip()  # padding spaces mark word edges only
    assert ("활물", 3, 5) in spans and (" 양극", 0, 2) in spans and not any(g.isspace() for g, _, _ in spans)


def test_weights_match_scikit_learn_tfidf(lexical):
    """The hand-rolled TF-IDF (sublinear TF, smoothed IDF, L2 rows) is scikit-learn's with the same n-grams."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    analyzer = lambda t: [g for g, _, _ in ngram_spans(t, (1, 3))]  # noqa: E731
    ref = TfidfVectorizer(analyzer=analyzer, sublinear_tf=True).fit(CORPUS + DEFINITIONS)
    assert lexical.vocabulary_ == ref.vocabulary_
    texts = ["양극 활물질 소재 활물질", "유리화", "없는단어"]
    np.testing.assert_allclose(lexical.vectors(texts).toarray(), ref.transform(texts).toarray(), atol=1e-12)


def test_transform_is_the_cosine_to_each_definition(lexical):
    L = lexical.transform(["양극 활물질 소재", "유리화 용융 설비", "의료영상"])
    assert L.shape == (3, 3) and (L >= 0).all() and L.max() <= 1 + 1e-6
    assert list(L[:2].argmax(axis=1)) == [0, 1]
    x, d = lexical.vectors(["양극 활물질 소재"]), lexical.definitions_
    assert np.allclose(L[0], (x @ d.T).toarray()[0], atol=1e-6)
    assert np.allclose(lexical.transform(DEFINITIONS).diagonal(), 1, atol=1e-5)


def test_character_contributions_sum_exactly_to_the_score(lexical):
    text = "하이니켈 양극 활물질과 유리화 설비 (신규 단어 포함)"
    directions = np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [1.0, -0.5, -0.5]])
    chars = lexical.char_contributions(text, directions)
    assert chars.shape == (3, len(text))
    assert np.allclose(chars.sum(axis=1), directions @ lexical.transform([text])[0], atol=1e-9)
    word = {w: chars[:, text.index(w):text.index(w) + len(w)].sum(axis=1) for w in ("활물질", "유리화")}
    assert word["활물질"][0] > word["유리화"][0] and word["유리화"][1] > word["활물질"][1]
    assert not lexical.char_contributions("zzz qqq", directions).any()


def test_state_round_trip_and_empty_part(lexical, tmp_path):
    state, arrays = lexical.to_state()
    np.savez(tmp_path / "a.npz", **arrays)
    loaded = LexicalDefinitions.from_state(state, np.load(tmp_path / "a.npz"))
    texts = ["양극 활물질 소재", "라이다 센서", ""]
    assert np.allclose(loaded.transform(texts), lexical.transform(texts))
    assert not LexicalDefinitions.empty(5).transform(texts).any()
    assert LexicalDefinitions.empty(5).transform(texts).shape == (3, 5)


def test_new_definitions_keep_vocabulary(lexical):
    revised = lexical.with_definitions(DEFINITIONS[::-1] + ["의료영상 판독 AI 소프트웨어"])
    L = revised.transform(["의료영상 AI 판독", "양극 활물질"])
    assert L.shape == (2, 4) and list(L.argmax(axis=1)) == [3, 2]
    assert revised.vocabulary_ is lexical.vocabulary_ and revised.idf_ is lexical.idf_


def test_lexical_text_is_a_prefix_of_the_composed_text_without_industry_name():
    r = CompanyRecord(main_product="양극재", product_use="전기차 배터리용.", tech_project="", industry_name="화학 제조업")
    assert lexical_text(r) == "양극재. 전기차 배터리용." and compose(r).text.startswith(lexical_text(r))
    assert "제조업" not in lexical_text(r)
