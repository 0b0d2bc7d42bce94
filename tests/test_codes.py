"""Code profiles (KSIC subclass, NST section): typical codes lift their items, unknown codes are neutral,
taxonomy links reach items nobody judged yet, and profiles survive save/load and revision remapping."""
from __future__ import annotations

import numpy as np
import pytest

from workbench.recommend.codes import CodeProfiles, code_values
from workbench.schema.record import CompanyRecord
from workbench.taxonomy.ksic import ksic_tables
from workbench.taxonomy.loader import load_taxonomy


@pytest.fixture(scope="module")
def tax():
    return load_taxonomy("6")


@pytest.fixture(scope="module")
def setup(tax):
    items = tax.item_codes
    links = tax.ksic_by_item
    a, b = items[0], items[1]
    code_a = links[a][0].ksic11_code
    code_b = next(link.ksic11_code for link in links[b] if link.ksic11_code != code_a)
    records = ([CompanyRecord(main_product="x", ksic_code=code_a, nst_code="EI0101")] * 6
               + [CompanyRecord(main_product="x", ksic_code=code_b, nst_code="LB0203")] * 6)
    y = np.array([0] * 6 + [1] * 6)
    return items, records, y, code_a, code_b


def test_typical_codes_lift_their_item(tax, setup):
    items, records, y, code_a, code_b = setup
    prof = CodeProfiles().fit(records, y, tax, items)
    s = prof.transform([CompanyRecord(main_product="x", ksic_code=code_a, nst_code="ei0307"),
                        CompanyRecord(main_product="x", ksic_code=code_b, nst_code="LB0101")])
    assert s[0, 0] > s[0, 1] and s[1, 1] > s[1, 0]
    assert s[0, 0] > 0 and s[0].argmax() == 0


def test_unknown_or_missing_codes_are_neutral(tax, setup):
    items, records, y, *_ = setup
    prof = CodeProfiles().fit(records, y, tax, items)
    s = prof.transform([CompanyRecord(main_product="x"), CompanyRecord(main_product="x", ksic_code="99999", nst_code="ZZ")])
    assert not s.any()


def test_taxonomy_links_reach_items_without_records(tax, setup):
    items, records, y, *_ = setup
    unjudged = items[100]
    linked = tax.ksic_by_item[unjudged][0].ksic11_code
    prof = CodeProfiles().fit(records, y, tax, items)
    s = prof.transform([CompanyRecord(main_product="x", ksic_code=linked)])[0]
    assert s[100] > 0
    no_links = CodeProfiles(link_weight=0.0).fit(records, y, tax, items)
    assert no_links.transform([CompanyRecord(main_product="x", ksic_code=linked)])[0, 100] == pytest.approx(0, abs=1e-5)


def test_tenth_revision_code_is_mapped():
    k = ksic_tables()
    c10 = next(c for c, t in k._10_to_11.items() if len(t) == 1 and t[0] != c)
    assert code_values(CompanyRecord(main_product="x", ksic_code=c10))[0] == k.to_ksic11(c10)[0]


def test_state_round_trip_and_remap(tax, setup):
    items, records, y, code_a, _ = setup
    prof = CodeProfiles().fit(records, y, tax, items)
    state, arrays = prof.to_state()
    again = CodeProfiles.from_state(state, arrays)
    probe = [CompanyRecord(main_product="x", ksic_code=code_a, nst_code="EI0101")]
    np.testing.assert_allclose(again.transform(probe), prof.transform(probe))
    # a merge of items 0 and 1 into one new item sums their judged counts; a new item has none
    merged = prof.remap([[0, 1], []], tax, items[:2])
    assert merged.counts_["nst_section"][0].sum() == 12 and merged.counts_["nst_section"][1].sum() == 0


@pytest.mark.parametrize("base_date, expected", [("2023-05-02", "27196"), ("20240630", "27196"),
                                                 ("2024-07-01", "27194"), ("", "27194"), ("미상", "27194")])
def test_code_meaning_follows_the_revision_in_force_on_the_base_date(base_date, expected):
    # 27194 is 의료용 가구 in the 10th revision (→ 27196 by the concordance) and 정형외과용 기기 in the 11th;
    # a judgment dated before the 11th revision took effect (2024-07-01) used the 10th
    assert ksic_tables().other_meaning("27194")
    record = CompanyRecord(ksic_code="27194", base_date=base_date)
    assert code_values(record)[0] == expected
    # a code with one meaning in both revisions is read as it is, whatever the date
    assert code_values(CompanyRecord(ksic_code="26291", base_date="2023-01-01"))[0] == "26291"
