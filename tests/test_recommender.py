"""Recommender: estimator contract, parts, save/load, bad inputs, and the keyword faithfulness test.

Uses the session's small trained model (``tests/conftest.py``: e5, exact token attributions); the full-size
evaluation runs through `workbench evaluate`.
"""
from __future__ import annotations

import dataclasses
import json

import numpy as np
import pytest

from workbench.explain.faithfulness import deletion_check
from workbench.heads import cuda_available, make_head
from workbench.recommend.parts import PARTS, ScorePart
from workbench.recommend.recommender import NotFittedError, Recommender
from workbench.recommend.scoring import Fusion
from workbench.recommend.types import Recommendation
from workbench.schema.record import CompanyRecord, RecordValidationError


def test_init_stores_settings_only():
    rec = Recommender(encoder="use", C=3.0)
    assert rec.C == 3.0 and rec.encoder == "use"
    assert rec.get_params()["C"] == 3.0 and rec.set_params(knn_k=7).knn_k == 7  # scikit-learn's contract
    assert not any(k.endswith("_") and not k.startswith("_") for k in vars(rec))
    with pytest.raises(NotFittedError):
        rec.recommend(CompanyRecord(main_product="드론"))


def test_fit_returns_self_and_learns_attributes(fitted):
    for attr in ("parts_", "fusions_", "fusion_", "items_", "model_id_", "C_"):
        assert hasattr(fitted, attr)
    assert list(fitted.parts_) == list(fitted.fusion_.weights) == ["head", "knn", "definition", "codes", "lexical"]
    assert len(fitted.items_) == 240
    assert fitted.fusion_.temperature > 0
    assert fitted.fusion_.weight("lexical") > 0 and fitted.parts_["lexical"].lexical_.definitions_.shape[0] == 240


def test_recommendation_shape_and_json(fitted, history):
    _, test = history
    r = fitted.recommend(test[0])
    assert [it.rank for it in r.items] == [1, 2, 3]
    assert len({it.item_code for it in r.items}) == 3
    conf = [it.confidence for it in r.items]
    assert conf == sorted(conf, reverse=True) and 0 < sum(conf) <= 1.0001
    for it in r.items:
        assert it.rationale and it.item_name and it.theme_name and it.field_name
        assert len({(k.text, k.field) for k in it.keywords}) == len(it.keywords)  # one keyword per fact
        text_kw = [k for k in it.keywords if k.spans]
        for kw in text_kw:  # every keyword points at the company's own words
            field_text = " ".join(getattr(test[0], kw.field).split())
            assert all(field_text[a:b] == kw.text for a, b in kw.spans)
    assert set(r.items[0].scores) == {"head", "knn", "definition", "codes", "lexical"}
    again = Recommendation.from_dict(json.loads(r.to_json()))
    assert again == r


def test_better_than_chance_and_zero_shot_reaches_rare_items(fitted, history):
    _, test = history
    P = fitted.predict_proba(test)
    y = np.array([fitted.items_.index(r.item_code) for r in test])
    top3 = (np.argsort(-P, 1)[:, :3] == y[:, None]).any(1).mean()
    assert top3 > 0.5, f"top-3 hit rate {top3:.3f} on a small training subset"
    parts = fitted.score_parts(test)
    assert ((np.argsort(-parts["definition"], 1)[:, :10] == y[:, None]).any(1).mean()) > 0.3


def test_batch_answers_keep_input_order_and_match_single_answers(fitted, history):
    _, test = history
    records = sorted(test[:12], key=lambda r: -len(r.main_product + r.product_use))  # longest first
    batch = fitted.recommend_batch(records, batch_size=4)  # processed shortest first, returned in input order
    for b, r in zip(batch, records):
        single = fitted.recommend(r)
        assert [it.item_code for it in b.items] == [it.item_code for it in single.items]
        assert [it.keywords[0].text for it in b.items] == [it.keywords[0].text for it in single.items]
        np.testing.assert_allclose([it.confidence for it in b.items], [it.confidence for it in single.items],
                                   atol=1e-4)


def test_save_load_round_trip(fitted, history, tmp_path):
    _, test = history
    fitted.save(tmp_path / "m")
    manifest = json.loads((tmp_path / "m" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["taxonomy_revision"] == "6" and manifest["encoder_id"] == fitted.encoder_.id
    assert len(manifest["training_data_hash"]) == 64
    loaded = Recommender.load(tmp_path / "m")
    np.testing.assert_allclose(loaded.predict_proba(test[:20]), fitted.predict_proba(test[:20]), atol=1e-5)
    assert loaded.recommend(test[1]).to_dict() == fitted.recommend(test[1]).to_dict()


def test_load_rejects_unknown_format(fitted, tmp_path):
    fitted.save(tmp_path / "m")
    path = tmp_path / "m" / "manifest.json"
    manifest = json.loads(path.read_text(encoding="utf-8"))
    path.write_text(json.dumps({**manifest, "format_version": 999}), encoding="utf-8")
    with pytest.raises(ValueError, match="format"):
        Recommender.load(tmp_path / "m")
    with pytest.raises(FileNotFoundError, match="workbench train"):
        Recommender.load(tmp_path / "missing")


@pytest.mark.parametrize("version, dropped", [(5, ()), (3, ("lexical",)), (2, ("lexical", "codes"))])
def test_models_saved_before_later_parts_still_load(fitted, history, tmp_path, version, dropped):
    """Manifests of format 5 (flat fusion weights, part states at the top level), 3 (no lexical part) and 2 (no
    code profiles either) load and score with the parts they had; the missing parts score 0 and weigh 0."""
    _, test = history
    fitted.save(tmp_path / "m")
    path = tmp_path / "m" / "manifest.json"
    manifest = json.loads(path.read_text(encoding="utf-8"))
    states, fusions = manifest.pop("parts"), manifest.pop("fusions")
    manifest["structured_categories"] = states["head"]["structured_categories"]
    flat = {"head": "head_w", "knn": "knn_w", "definition": "def_w", "codes": "code_w", "lexical": "lex_w"}
    if version == 5:
        manifest["fusions"] = {p: {flat[n]: w for n, w in f["weights"].items()} | {"temperature": f["temperature"],
                                                                                  "floor": f["floor"]}
                               for p, f in fusions.items()}
    manifest["fusion"] = {flat[n]: w for n, w in fusions["full"]["weights"].items() if n not in dropped}
    manifest["fusion"] |= {"temperature": fusions["full"]["temperature"]}
    if "codes" not in dropped:
        manifest["fusion"]["floor"] = fusions["full"]["floor"]
    for part in ("codes", "lexical"):
        if part not in dropped:
            manifest[part] = states[part]
    manifest["params"].pop("short_lexical_scale")  # saved before the short profile had a lexical scale
    path.write_text(json.dumps({**manifest, "format_version": version}), encoding="utf-8")
    old = Recommender.load(tmp_path / "m")
    parts, old_parts = fitted.score_parts(test[:20]), old.score_parts(test[:20])
    for part in dropped:
        assert old.fusion_.weight(part) == 0 and not old_parts[part].any()
    assert old.fusions_["short"].temperature == pytest.approx(
        old.fusions_["no_codes"].temperature * old.short_temperature_scale)
    as_saved = Fusion({n: 0.0 if n in dropped else w for n, w in fitted.fusion_.weights.items()},
                      fitted.fusion_.temperature, 0.0 if "codes" in dropped else fitted.fusion_.floor)
    np.testing.assert_allclose(old.score_parts(test[:20])["head"], parts["head"], atol=1e-5)
    if version == 5:  # the saved short fusion is kept, and its lexical weight was the no_codes one then
        assert old.short_lexical_scale == 1.0 and old.fusions_["short"] == fitted.fusions_["short"]
        np.testing.assert_allclose(old.predict_proba(test[:20]), fitted.predict_proba(test[:20]), atol=1e-6)
    else:  # one fusion for every record before format 5
        np.testing.assert_allclose(old.fusion_.proba(old_parts), as_saved.proba(parts), atol=1e-5)
    assert len(old.recommend(test[0]).items) == 3


@pytest.mark.parametrize("record", [
    CompanyRecord(main_product="Lithium-ion battery cathode material for EV cells", ksic_code="28202"),
    CompanyRecord(main_product="🚀🔋 배터리 " * 3, product_use="😀"),
    CompanyRecord(main_product="자율주행 드론 " * 60),  # near the 500-character limit
    CompanyRecord(main_product="스마트팜 센서", ksic_code="99999", nst_code="ZZ9999"),
])
def test_unusual_inputs_give_sensible_results(fitted, record):
    r = fitted.recommend(record)
    assert len(r.items) == 3 and all(np.isfinite(it.confidence) for it in r.items)


def test_empty_text_is_a_clear_error(fitted):
    with pytest.raises(ValueError, match="no text"):
        fitted.recommend(CompanyRecord(company_name="빈 기업", ksic_code="26110"))


def test_overlong_or_control_text_is_refused_before_any_work(fitted):
    """A pasted document would hold the shared inference lock for seconds (issue 13.6)."""
    with pytest.raises(RecordValidationError) as info:
        fitted.recommend(CompanyRecord(main_product="자율주행 드론 " * 1500))
    assert "500자 이내" in info.value.message_ko
    with pytest.raises(RecordValidationError, match="control character"):
        fitted.recommend(CompanyRecord(main_product="드론\x0b"))


def test_wording_that_shares_nothing_with_the_criteria_is_named_among_the_review_reasons(fitted, history):
    _, test = history
    reason = "품목 정의와 겹치는 표현이 거의 없음"
    odd = fitted.recommend(CompanyRecord(main_product="쀍쁗 뛟꿿"))  # n-grams of no definition: lexical cosine 0
    assert odd.review_required and any(reason in r for r in odd.review_reasons)
    assert not any(reason in r for r in fitted.recommend(test[0]).review_reasons)
    sure = np.eye(len(fitted.items_))[0]  # it explains a flag, never raises one
    assert fitted.presenter().review_reasons(sure, test[0], unfamiliar=True) == []


def test_a_flagged_answer_names_the_field_its_items_share_when_that_field_clears_the_bar(fitted):
    presenter, tax, codes = fitted.presenter(), fitted.taxonomy_, fitted.items_
    field_of = [tax.describe(c)["field_name"] for c in codes]
    same = [i for i, f in enumerate(field_of) if f == field_of[0]][:2]
    other = [i for i, f in enumerate(field_of) if f != field_of[0]]
    record = CompanyRecord(main_product="드론")
    p = np.zeros(len(codes))
    p[same], p[other[0]] = 0.35, 0.30  # 1순위 35% (flagged); its 분야 holds 70%, the next one 30%
    reasons = presenter.review_reasons(p, record)
    assert reasons[0].startswith("1순위 신뢰도 35%")
    assert reasons[-1].startswith(f"분야 수준에서는 '{field_of[0]}' 분야가 유력함") and "합계 70%" in reasons[-1]
    spread = np.zeros(len(codes))  # 분야 sums 40% / 30% / 30%: no 분야 clears the bar either
    spread[same[0]], spread[other[0]] = 0.4, 0.3
    spread[next(i for i in other if field_of[i] != field_of[other[0]])] = 0.3
    assert not any("분야 수준" in r for r in presenter.review_reasons(spread, record))
    assert presenter.review_reasons(np.eye(len(codes))[same[0]], record) == []  # it explains a flag, never raises one


def test_each_evidence_profile_has_its_own_fusion(fitted, history):
    _, test = history
    full = test[0]
    no_codes = dataclasses.replace(full, ksic_code="", nst_code="")
    short = CompanyRecord(main_product=full.main_product, industry_name=full.industry_name)
    assert set(fitted.fusions_) == {"full", "no_codes", "short"} and fitted.fusion_ is fitted.fusions_["full"]
    # short inputs keep the no_codes weights but the lexical one, scaled down, with the temperature scale and floor
    # chosen on real companies
    nc, sh = fitted.fusions_["no_codes"], fitted.fusions_["short"]
    assert 0 < fitted.short_lexical_scale < 1 and sh.weight("lexical") > 0
    assert sh.weights == {n: w * (fitted.short_lexical_scale if n == "lexical" else 1) for n, w in nc.weights.items()}
    assert sh.temperature == pytest.approx(nc.temperature * fitted.short_temperature_scale)
    assert sh.floor == fitted.short_floor and fitted.short_temperature_scale > 1
    for record, profile in ((full, "full"), (no_codes, "no_codes"), (short, "short")):
        parts = fitted.score_parts([record])
        np.testing.assert_allclose(fitted.predict_proba([record]), fitted.fusions_[profile].proba(parts), atol=1e-6)
    # the same words with less evidence are never shown with more confidence than the short fusion allows
    p_short = fitted.predict_proba([short]).max()
    assert p_short < fitted.fusions_["no_codes"].proba(fitted.score_parts([short])).max()
    r = fitted.recommend(short)
    assert r.items[0].confidence == pytest.approx(p_short, abs=1e-4)
    if r.review_required:
        assert any("입력 근거 부족" in reason for reason in r.review_reasons)


def test_review_flags_match_recommendations(fitted, history):
    _, test = history
    records = test[:30] + [CompanyRecord(main_product=r.main_product, industry_name=r.industry_name) for r in test[:30]]
    flags = fitted.review_flags(fitted.predict_proba(records), records)
    assert flags.tolist() == [fitted.recommend(r).review_required for r in records]


def test_unknown_label_is_a_clear_error():
    with pytest.raises(ValueError, match="not in revision"):
        Recommender(encoder="use").fit([CompanyRecord(main_product="a", item_code="Z99999"),
                                        CompanyRecord(main_product="b", item_code="A10001")])


def test_application_principle_warning(fitted):
    r = fitted.recommend(CompanyRecord(main_product="반도체 장비 도매 유통", product_use="해외 제조사의 장비를 수입하여 상품으로 판매",
                                       ksic_code="46510"))
    assert any("KSIC 46" in w for w in r.warnings) and any("상품" in w for w in r.warnings)
    assert "상품" in r.proposed_none  # 해당 없음 is proposed: distribution only, no own manufacturing


def test_keyword_attributions_are_faithful(fitted, history):
    """Deleting each item's top-3 keywords lowers its score more than deleting 3 random words (≥ 200 records)."""
    _, test = history
    result = deletion_check(fitted, test[:215], k=3, seed=1)
    assert result["n"] >= 200
    assert result["mean_drop_top_keywords"] > 2 * result["mean_drop_random_words"]
    assert result["share_top_drop_larger"] > 0.7


def test_token_shares_follow_character_overlap():
    from workbench.explain.attribution import overlap_matrix
    from workbench.explain.keywords import Word

    words = [Word("양극재", 0, 3), Word("배터리", 4, 7)]
    spans = np.array([[-1, -1], [0, 2], [2, 5], [5, 7], [7, 7], [9, 12]])  # prompt, inside, straddling, empty, outside
    expected = [[0, 1, 1 / 3, 0, 0, 0], [0, 0, 1 / 3, 1, 0, 0]]
    np.testing.assert_allclose(overlap_matrix(words, spans), expected, atol=1e-6)
    assert overlap_matrix([], spans).shape == (0, 6)


def test_head_backend_choice_is_explicit():
    assert make_head("sklearn").backend == "sklearn"
    with pytest.raises(ValueError):
        make_head("tpu")
    if not cuda_available():
        assert make_head("auto").backend == "sklearn"


@pytest.mark.gpu
@pytest.mark.skipif(not cuda_available(), reason="needs a CUDA device and the `gpu` extra (cuML)")
def test_cuml_head_matches_sklearn_on_gpu():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(600, 32)).astype(np.float32)
    y = (X[:, 0] > 0).astype(int) + 2 * (X[:, 1] > 0).astype(int)
    gpu, cpu = make_head("cuml").fit(X, y), make_head("sklearn").fit(X, y)
    assert gpu.backend == "cuml"
    assert (gpu.predict(X) == cpu.predict(X)).mean() > 0.95


class PriorPart(ScorePart):
    """A sixth part for the test: log of each item's share of the judged records (Bayes-weighted)."""

    name = "prior"

    def fit(self, data, rows):
        counts = np.bincount(data.y[rows], minlength=len(data.items)) + 0.5
        self.log_prior_ = np.log(counts / counts.sum()).astype(np.float32)
        return self

    def scores(self, batch):
        return np.tile(self.log_prior_, (len(batch.records), 1))

    def state(self, folder):
        return {}, {"prior_log": self.log_prior_}

    @classmethod
    def from_state(cls, state, arrays, folder, items, taxonomy):
        self = cls()
        self.log_prior_ = arrays["prior_log"]
        return self

    def remap(self, revision):
        out = PriorPart()
        out.log_prior_ = np.array([self.log_prior_[rows].max() if rows else self.log_prior_.min()
                                   for rows in revision.sources()], np.float32)
        return out


def test_a_sixth_part_is_one_class_plus_registration(history, monkeypatch, tmp_path):
    """Registered in PARTS, a new part is fitted, weighed by name, shown in the scores, saved and loaded."""
    train, test = history
    monkeypatch.setitem(PARTS, PriorPart.name, PriorPart)
    codes = sorted({r.item_code for r in train})[:4]
    records = [r for r in train if r.item_code in codes]
    rec = Recommender(encoder="use", head_backend="sklearn", C=1.0, tune_encoder=False).fit(records)
    assert list(rec.parts_)[-1] == "prior" and "prior" in rec.fusion_.weights
    item = rec.recommend(test[0]).items[0]
    assert item.scores["prior"] == pytest.approx(float(rec.parts_["prior"].log_prior_[rec.items_.index(item.item_code)]),
                                                 abs=1e-4)
    loaded = Recommender.load(rec.save(tmp_path / "m"))
    assert json.loads((tmp_path / "m" / "manifest.json").read_text(encoding="utf-8"))["parts"]["prior"] == {}
    np.testing.assert_allclose(loaded.predict_proba(test[:5]), rec.predict_proba(test[:5]), atol=1e-6)


def test_short_records_are_scored_by_the_head_fitted_on_listing_views(fitted, history, tmp_path):
    """A record with only 주요제품/업종명 is scored (and its keywords weighed) by the short head, a full record by the
    main head; a model saved before the short head (format 6) scores both with the main head."""
    from workbench.recommend.parts import Batch
    from workbench.recommend.profiles import profile_view
    from workbench.recommend.text import compose

    _, test = history
    records = [test[0], profile_view(test[0], "short")]
    S = fitted.encoder_.encode([compose(r).text for r in records], kind="query")
    head = fitted.parts_["head"]
    X = np.hstack([head.scaler_.transform(S), head.structured_.transform(records)])
    z = head.scores(Batch(records, S))
    np.testing.assert_allclose(z[0], head.head_.decision_function(X[:1])[0], rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(z[1], head.short_head_.decision_function(X[1:])[0], rtol=1e-5, atol=1e-5)
    assert not np.allclose(z[1], head.head_.decision_function(X[1:])[0], atol=1e-3)
    assert not np.allclose(head.text_direction("short"), head.text_direction("full"))

    fitted.save(tmp_path / "m")
    np.testing.assert_allclose(Recommender.load(tmp_path / "m").parts_["head"].scores(Batch(records, S)), z,
                               rtol=1e-5, atol=1e-5)
    path = tmp_path / "m" / "manifest.json"
    manifest = json.loads(path.read_text(encoding="utf-8"))
    del manifest["parts"]["head"]["short_head"]
    path.write_text(json.dumps({**manifest, "format_version": 6}), encoding="utf-8")
    old = Recommender.load(tmp_path / "m").parts_["head"]
    assert old.short_head_ is None
    np.testing.assert_allclose(old.scores(Batch(records, S)), head.head_.decision_function(X), rtol=1e-5, atol=1e-5)


def test_the_short_head_is_fitted_once_not_for_every_regularisation_tried(history, monkeypatch):
    """Validation scores full and no-code views only, so the C search fits no short head; the final fit does."""
    from workbench.recommend.parts import head as head_module

    train, _ = history
    codes = sorted({r.item_code for r in train})[:4]
    fits = []
    fit_head = head_module._fit_head
    monkeypatch.setattr(head_module, "_fit_head", lambda data, X, y: fits.append(len(y)) or fit_head(data, X, y))
    records = [r for r in train if r.item_code in codes]
    rec = Recommender(encoder="use", head_backend="sklearn", C=(1.0, 0.1), tune_encoder=False).fit(records)
    assert len(fits) == 2 + 2  # one main head per C tried, then the final main head and its short head
    assert fits[-1] == 2 * len(records) and rec.parts_["head"].short_head_ is not None
