"""Evaluation figures: real-text metrics and section, the text-only view, evidence profiles of records."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from workbench.evaluation import level_hits, realtext_markdown, realtext_metrics
from workbench.realtext import load_realtext, missing_realtext
from workbench.recommend.profiles import evidence_profile, profile_view
from workbench.schema.record import CompanyRecord
from workbench.taxonomy.loader import load_taxonomy


def test_realtext_metrics_by_hand():
    # 4 companies, 5 items; labels are sets of item indices
    P = np.array([[0.7, 0.1, 0.1, 0.05, 0.05],   # top-1 item 0: hit
                  [0.4, 0.3, 0.2, 0.05, 0.05],   # top-1 0 miss, item 2 at rank 3: hit@3
                  [0.9, 0.04, 0.03, 0.02, 0.01],  # top-1 0 miss, label item 4 at rank 5: no hit@3
                  [0.1, 0.6, 0.1, 0.1, 0.1]])    # top-1 item 1: hit
    labels = [{0}, {2}, {4}, {1, 3}]
    review = np.array([False, True, False, True])
    m = realtext_metrics(P, review, labels)
    assert m["realtext_n"] == 4
    assert m["realtext_hit1"] == pytest.approx(0.5)
    assert m["realtext_hit3"] == pytest.approx(0.75)
    assert m["realtext_hit10"] == pytest.approx(1.0)
    assert m["realtext_mean_confidence"] == pytest.approx((0.7 + 0.4 + 0.9 + 0.6) / 4)
    assert m["realtext_overconfidence"] == pytest.approx(0.65 - 0.5)
    assert m["realtext_review_share"] == pytest.approx(0.5)
    assert m["realtext_hit1_unflagged"] == pytest.approx(0.5) and m["realtext_hit1_flagged"] == pytest.approx(0.5)
    # 10 bins: 0.4 | 0.6 | 0.7 | 0.9 each alone → ECE = mean |conf − hit|
    assert m["realtext_ece"] == pytest.approx((0.3 + 0.4 + 0.9 + 0.4) / 4)
    assert sum(b["n"] for b in m["realtext_reliability"]) == 4


def test_level_hits_sum_the_items_of_a_group():
    # items 0–2 in field A, 3–4 in B, 5 in C, 6 in D
    groups = ["A", "A", "A", "B", "B", "C", "D"]
    P = np.array([[0.2, 0.2, 0.2, 0.3, 0.0, 0.1, 0.0],   # best item 3 (B), but A sums to 0.6: A is 1순위
                  [0.0, 0.0, 0.1, 0.0, 0.1, 0.8, 0.0],   # C, then A and B tied at 0.1 (stable: A, B)
                  [0.1, 0.0, 0.0, 0.4, 0.4, 0.0, 0.1]])  # B, A, D (tie, stable), C last
    labels = [{1}, {4}, {5}]  # fields A, B, C
    hits = level_hits(P, labels, groups)
    assert hits[1].tolist() == [True, False, False]  # only the first company's field is 1순위
    assert hits[3].tolist() == [True, True, False]  # the second's B is 3rd; the third's C is 4th


def test_load_realtext_maps_names_and_refuses_unknown(tmp_path):
    tax = load_taxonomy("6")
    a, b = tax.items[0], tax.items[5]
    good = tmp_path / "dev.csv"
    good.write_text("company,industry_name,ksic11_group,main_products,weak_items\n"
                    f"가,소프트웨어 개발 및 공급업,582,제품 하나,{a.name}|{b.name}\n"
                    f"나,반도체 제조업,261,,{b.name}\n", encoding="utf-8")
    data = load_realtext(good, tax)
    assert data.labels == [frozenset({a.code, b.code}), frozenset({b.code})]
    assert data.records[0].main_product == "제품 하나" and data.records[1].industry_name == "반도체 제조업"
    assert not data.records[0].ksic_code and not data.records[0].product_use  # listing fields only
    bad = tmp_path / "bad.csv"
    bad.write_text("company,industry_name,ksic11_group,main_products,weak_items\n가,x,1,y,없는 품목\n", encoding="utf-8")
    with pytest.raises(ValueError, match="없는 품목"):
        load_realtext(bad, tax)


def test_missing_realtext_is_one_line_and_fails_under_ci(tmp_path, monkeypatch):
    monkeypatch.delenv("CI", raising=False)
    section = missing_realtext(tmp_path / "none.csv")
    lines = [x for x in realtext_markdown(section) if x]
    assert len(lines) == 1 and "missing" in lines[0]
    monkeypatch.setenv("CI", "true")
    with pytest.raises(FileNotFoundError):
        missing_realtext(tmp_path / "none.csv")


def test_no_codes_view_drops_codes_keeps_text():
    r = CompanyRecord(ksic_code="28202", nst_code="EF0101", industry_name="축전지 제조업", main_product="양극재",
                      product_use="배터리", tech_project="x", item_code="E20001")
    t = profile_view(r, "no_codes")
    assert (t.ksic_code, t.nst_code) == ("", "")
    assert (t.industry_name, t.main_product, t.product_use, t.item_code) == ("축전지 제조업", "양극재", "배터리", "E20001")


def test_evidence_profiles_and_views():
    full = CompanyRecord(ksic_code="58221", industry_name="시스템 소프트웨어 개발 및 공급업", main_product="보안 솔루션",
                         product_use="기업 문서 보안", tech_project="암호화", nst_code="EE0101")
    assert evidence_profile(full) == "full"
    assert evidence_profile(profile_view(full, "no_codes")) == "no_codes"
    assert evidence_profile(CompanyRecord(main_product="x", product_use="y", ksic_code="99999")) == "no_codes"  # unknown
    short = profile_view(full, "short")
    assert evidence_profile(short) == "short"
    assert short.main_product == "보안 솔루션" and short.industry_name == "소프트웨어 개발 및 공급업"  # group (582) name
    assert not (short.product_use or short.tech_project or short.ksic_code or short.nst_code)
    with pytest.raises(ValueError):
        profile_view(full, "tiny")


# ---------------------------------------------------------------- with the session's small trained model

@pytest.fixture(scope="module")
def dev_file(tmp_path_factory, fitted, history):
    """A small real-text-shaped file: 24 short companies; half labelled with the model's own top item (so the
    settings have signal to find), half with an item it ranks low."""
    _, test = history
    tax = fitted.taxonomy_
    rows = []
    for i, r in enumerate(test[:24]):
        short = CompanyRecord(main_product=r.main_product, industry_name=r.industry_name)
        order = np.argsort(-fitted.predict_proba([short])[0])
        item = fitted.items_[order[0] if i % 2 == 0 else order[-1]]
        rows.append({"company": f"회사{i}", "industry_name": r.industry_name, "ksic11_group": "",
                     "main_products": r.main_product, "weak_items": tax.item(item).name})
    path = tmp_path_factory.mktemp("realtext") / "dev.csv"
    pd.DataFrame(rows).to_csv(path, index=False)
    return path


def test_realtext_section_reports_what_the_examiner_sees(fitted, dev_file):
    from workbench.evaluation import realtext_section

    section = realtext_section(fitted, dev_file)
    data = load_realtext(dev_file, fitted.taxonomy_)
    P = fitted.predict_proba(data.records)  # short records: the short profile's fusion
    assert section["realtext_n"] == 24
    assert section["realtext_mean_confidence"] == pytest.approx(P.max(1).mean(), abs=1e-6)
    assert section["realtext_hit1"] == pytest.approx(0.5)  # by construction of the file
    assert section["realtext_review_share"] == pytest.approx(fitted.review_flags(P, data.records).mean())
    for key in ("realtext_hit3", "realtext_hit10", "realtext_ece", "realtext_overconfidence",
                "realtext_definitions_only_hit1", "realtext_zero_shot_hit3"):
        assert key in section
    fields = [fitted.taxonomy_.describe(c)["field_code"] for c in fitted.items_]
    index_of = {c: i for i, c in enumerate(fitted.items_)}
    expected = level_hits(P, [{index_of[c] for c in lab} for lab in data.labels], fields)
    assert (section["realtext_field_hit1"], section["realtext_field_hit3"]) == pytest.approx(
        (expected[1].mean(), expected[3].mean()))
    shown = [any(r.startswith("분야 수준에서는") for r in x.review_reasons) for x in fitted.recommend_batch(data.records)]
    assert section["realtext_field_hint_share"] == pytest.approx(np.mean(shown))
    assert 0 <= section["realtext_theme_hit1"] <= section["realtext_theme_hit3"] <= 1


def test_realtext_counts_the_companies_whose_wording_the_criteria_do_not_share(fitted, dev_file, tmp_path):
    from workbench.evaluation import realtext_section

    df = pd.read_csv(dev_file)
    odd = df.iloc[:2].assign(main_products=["쀍쁗 뛟꿿", "꿿뛟 쀍"], industry_name="")
    path = tmp_path / "dev.csv"
    pd.concat([df, odd]).to_csv(path, index=False)
    section = realtext_section(fitted, path)
    shown = [any("품목 정의와 겹치는 표현이 거의 없음" in x for x in r.review_reasons)
             for r in fitted.recommend_batch(load_realtext(path, fitted.taxonomy_).records)]
    assert sum(shown) >= 2 and section["realtext_low_overlap_share"] == pytest.approx(np.mean(shown))
    assert section["realtext_low_overlap_mean_confidence"] < 0.5


def test_calibrate_realtext_fits_on_folds_and_reports_held_out_figures(fitted, dev_file):
    from workbench.realtext_calibration import calibrate

    result = calibrate(fitted, dev_file, folds=3)
    assert len(result["per_fold"]) == 3 and result["cv"]["realtext_n"] == 24
    assert result["scale"] > 0 and 0 <= result["floor"] <= 0.5
    # half the labels are the top item: a calibrated top-1 confidence sits near 0.5, not near 1
    assert abs(result["cv"]["realtext_overconfidence"]) < 0.25


def test_bars_pass_and_fail_as_stated():
    from workbench.evaluation import target_table

    r = {"top1_accuracy": 0.824, "weighted_f1": 0.823, "top3_hit_rate": 0.933, "macro_f1": 0.753, "ece": 0.019,
         "realtext": {"realtext_hit1": 0.28, "realtext_hit3": 0.47, "realtext_overconfidence": 0.02,
                      "realtext_hit1_unflagged": 0.56, "realtext_hit1_flagged": 0.2}}
    verdict = {(t["figure"], t["source"]): t["pass"] for t in target_table(r)}
    assert verdict[("top1_accuracy", "brief: accuracy")] and verdict[("weighted_f1", "brief: F1 (weighted)")]
    assert not verdict[("top1_accuracy", "issue 3/12")] and verdict[("ece", "issue 3/12")]
    assert not verdict[("realtext_hit3", "issue 12")] and verdict[("realtext_overconfidence", "issue 12")]
    assert verdict[("realtext_hit1_unflagged / flagged", "issue 12")]
    assert all("realtext" not in t["figure"] for t in target_table({**r, "realtext": {"missing": "x"}}))


@pytest.mark.parametrize("record, proposed", [
    (CompanyRecord(main_product="센서 도매 유통", product_use="국내외 제조사로부터 센서를 구매하여 대리점에 도매로 판매함."), True),
    (CompanyRecord(main_product="모션캡처 장비 (수입 상품)",
                   product_use="해외 제조사의 장비를 수입하여 상품으로 판매하며 자체 제조·개발은 없음."), True),
    (CompanyRecord(main_product="범용 볼트·너트", product_use="카메라 생산용 범용 부품을 단순 납품함."), True),
    (CompanyRecord(main_product="합성수지 제조, 도매"), False),  # its own manufacturing: an item may fit
    (CompanyRecord(main_product="수소 센서", product_use="연료전지 차량 충전소 안전 감시", ksic_code="46510"), False),
])
def test_exclusion_proposal_needs_words_not_only_a_code(record, proposed):
    from workbench.recommend.principles import exclusion_proposal

    assert bool(exclusion_proposal(record)) is proposed


def test_exclusion_figures(tmp_path):
    from workbench.evaluation import exclusion_figures

    from workbench.schema.ingest import records_to_frame

    excluded = tmp_path / "excluded.csv"
    records_to_frame([CompanyRecord(main_product="센서 도매 유통", product_use="센서를 구매하여 도매로 판매함"),
                      CompanyRecord(main_product="드론", product_use="농업용")]).to_csv(excluded, index=False)
    test = [CompanyRecord(main_product="드론", product_use="방제"), CompanyRecord(main_product="부품 도매")]
    figures = exclusion_figures(test, tmp_path / "no_realtext.csv", excluded)
    assert figures == {"exclusion_false_rate": 0.5, "exclusion_recall": 0.5}
