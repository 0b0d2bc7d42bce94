"""The company record: header aliases and validation with specific (Korean and English) messages."""
from __future__ import annotations

import dataclasses
import math

import pytest

from workbench.schema.record import (
    FIELD_SPECS, MAX_LENGTH, REQUIRED_FIELDS, SPEC_BY_NAME, CompanyRecord, RecordValidationError, brn_is_valid, normalize_brn,
    record_field_names, validate_record,
)
from workbench.taxonomy.loader import load_taxonomy

VALID = dict(company_name="(주)테스트센서", business_reg_no="220-81-62517", ceo_name="홍길동",
             base_date="2024-06-30", ksic_code="26294", industry_name="전자감지장치 제조업",
             main_product="산업용 가스 감지 센서 모듈", product_use="공장 유해가스 누출을 실시간으로 감지하는 IoT 센서",
             tech_project="MEMS 기반 저전력 가스센서 개발", nst_code="EE0101")


def rec(**changes) -> CompanyRecord:
    return dataclasses.replace(CompanyRecord(**VALID), **changes)


def by_field(errors) -> dict:
    out = {}
    for e in errors:
        assert e.field not in out, f"two errors for {e.field}: {errors}"
        out[e.field] = e
    return out


@pytest.fixture(scope="module")
def rev6():
    return load_taxonomy("6")


def test_valid_record_has_no_errors():
    assert validate_record(rec()) == []


def test_required_fields_are_the_company_and_technology_fields():
    assert set(REQUIRED_FIELDS) == {"company_name", "business_reg_no", "ceo_name", "ksic_code", "industry_name",
                                    "main_product", "product_use", "tech_project", "nst_code"}


@pytest.mark.parametrize("name", REQUIRED_FIELDS)
@pytest.mark.parametrize("blank", ["", "   "])
def test_blank_required_field(name, blank):
    errors = validate_record(rec(**{name: blank}))
    assert len(errors) == 1, errors
    (e,) = errors
    assert (e.field, e.code) == (name, "blank")
    assert "공란 입력" in e.message_ko
    assert SPEC_BY_NAME[name].label_ko in e.message_ko
    assert name in e.message_en and name in str(e)


def test_optional_blank_fields_are_fine():
    assert validate_record(rec(base_date="", theme_code="", item_code="")) == []


# ---------------------------------------------------------------------------------------------- 사업자등록번호


@pytest.mark.parametrize("value", ["220-81-62517", "2208162517", "220 81 62517", " 220-81-62517 ", "220-8162517",
                                   "124-81-00998"])
def test_brn_valid_variants(value):
    assert brn_is_valid(value)
    assert validate_record(rec(business_reg_no=value)) == []


@pytest.mark.parametrize("value,code", [
    ("220-81-6251", "format"),       # 9 digits
    ("220-81-625170", "format"),     # 11 digits
    ("220-81-6251A", "format"),      # not a digit
    ("220.81.62517", "format"),      # dots are not allowed separators
    ("２２０-８１-６２５１７", "format"),  # full-width digits are not the 10 digits the field asks for
    ("220-81-62518", "checksum"),    # wrong check digit
    ("124-81-00997", "checksum"),    # wrong check digit (the carry term of the 9th digit matters here)
])
def test_brn_invalid(value, code):
    errors = by_field(validate_record(rec(business_reg_no=value)))
    assert set(errors) == {"business_reg_no"}
    assert errors["business_reg_no"].code == code
    assert "사업자등록번호" in errors["business_reg_no"].message_ko
    assert not brn_is_valid(value)


def test_brn_check_digit_uses_carry_of_ninth_digit():
    # 124-81-00998: weighted sum 118 + (9 * 5) // 10 = 122 → check digit 8; without the carry it would be 2
    assert brn_is_valid("1248100998")
    assert not brn_is_valid("1248100992")


def test_normalize_brn():
    assert normalize_brn(" 220-81 -62517 ") == "2208162517"
    assert normalize_brn(None) == ""


# ---------------------------------------------------------------------------------------------- KSIC


@pytest.mark.parametrize("value", ["2629", "262944", "2629A", "C26294", "26-294", "２６２９４"])
def test_ksic_not_five_digits(value):
    errors = by_field(validate_record(rec(ksic_code=value)))
    assert set(errors) == {"ksic_code"}
    assert errors["ksic_code"].code == "format"
    assert "5자리" in errors["ksic_code"].message_ko


@pytest.mark.parametrize("value", ["99999", "00000", "12345"])
def test_ksic_unknown_five_digit_code(value):
    errors = by_field(validate_record(rec(ksic_code=value)))
    assert errors["ksic_code"].code == "unknown"
    assert value in errors["ksic_code"].message_ko and value in errors["ksic_code"].message_en


@pytest.mark.parametrize("value", ["10611", "26295", "01110", " 26294 "])
def test_ksic_10th_and_11th_codes_accepted(value):
    """10611 곡물 도정업 and 26295 exist in the 10th revision only; 01110 in both; spaces are trimmed."""
    assert validate_record(rec(ksic_code=value)) == []


# ---------------------------------------------------------------------------------------------- NST


@pytest.mark.parametrize("value", ["E10101", "EE01", "EE01011", "EE010A", "EEE101", "0101EE", "EE０１０１"])
def test_nst_malformed(value):
    errors = by_field(validate_record(rec(nst_code=value)))
    assert set(errors) == {"nst_code"}
    assert errors["nst_code"].code == "format"
    assert "EE0101" in errors["nst_code"].message_ko


@pytest.mark.parametrize("value", ["ZZ0101", "EZ0101", "AA1234"])
def test_nst_unknown_section(value):
    errors = by_field(validate_record(rec(nst_code=value)))
    assert errors["nst_code"].code == "unknown"
    assert value[:2] in errors["nst_code"].message_ko


@pytest.mark.parametrize("value", ["EE0101", "ee0101", "LA0101", "SI9999", " HA0203 "])
def test_nst_valid(value):
    assert validate_record(rec(nst_code=value)) == []


# ---------------------------------------------------------------------------------------------- base date


@pytest.mark.parametrize("value", ["2024-13-01", "2024-02-30", "30/06/2024", "어제"])
def test_base_date_bad(value):
    errors = by_field(validate_record(rec(base_date=value)))
    assert errors["base_date"].code == "format"


def test_base_date_from_spreadsheet_datetime_accepted():
    assert validate_record(rec(base_date="2024-06-30 00:00:00")) == []


# ---------------------------------------------------------------------------------------------- label codes


def test_item_code_unknown_in_revision(rev6):
    errors = by_field(validate_record(rec(item_code="Z99999"), taxonomy=rev6))
    assert set(errors) == {"item_code"}
    assert errors["item_code"].code == "unknown"
    assert "Z99999" in errors["item_code"].message_ko and rev6.label in errors["item_code"].message_ko


def test_item_code_revision_decides_which_items_exist():
    # A20008 양자내성암호 exists only in the hypothetical 7th revision
    assert validate_record(rec(item_code="A20008", revision="7-hypothetical")) == []
    errors = by_field(validate_record(rec(item_code="A20008", revision="6")))
    assert errors["item_code"].code == "unknown"
    # A10002 XaaS was removed in the hypothetical 7th revision
    assert validate_record(rec(item_code="A10002")) == []  # default revision 6
    assert by_field(validate_record(rec(item_code="A10002", revision="7-hypothetical")))["item_code"].code == "unknown"


def test_unknown_revision_is_reported_not_raised():
    errors = by_field(validate_record(rec(item_code="A10001", revision="5")))
    assert set(errors) == {"revision"}
    assert errors["revision"].code == "unknown"
    assert "기준차수" in errors["revision"].message_ko and "6" in errors["revision"].message_ko


def test_field_and_theme_inconsistent_with_item(rev6):
    errors = by_field(validate_record(rec(item_code="I30003", field_code="I10", theme_code="A"), taxonomy=rev6))
    assert set(errors) == {"field_code", "theme_code"}
    assert all(e.code == "inconsistent" for e in errors.values())
    assert "I10" in errors["field_code"].message_ko and "I30003" in errors["field_code"].message_ko
    assert "분야코드" in errors["field_code"].message_ko and "테마코드" in errors["theme_code"].message_ko
    assert "(I30)" in errors["field_code"].message_en and "(I)" in errors["theme_code"].message_en


def test_field_and_theme_consistent_with_item(rev6):
    assert validate_record(rec(item_code="I30003", field_code="I30", theme_code="I"), taxonomy=rev6) == []
    only_field = by_field(validate_record(rec(item_code="I30003", field_code="I30", theme_code="F"), taxonomy=rev6))
    assert set(only_field) == {"theme_code"}


def test_require_label_without_item_code(rev6):
    errors = by_field(validate_record(rec(), taxonomy=rev6, require_label=True))
    assert set(errors) == {"item_code"}
    assert errors["item_code"].code == "blank" and "품목코드" in errors["item_code"].message_ko


def test_all_errors_reported_at_once(rev6):
    bad = rec(company_name="", ceo_name="  ", business_reg_no="220-81-62518", ksic_code="99999", nst_code="ZZ0101",
              base_date="2024-99-99", item_code="I30003", field_code="A10")
    errors = validate_record(bad, taxonomy=rev6)
    got = {e.field: e.code for e in errors}
    assert got == {"company_name": "blank", "ceo_name": "blank", "business_reg_no": "checksum",
                   "ksic_code": "unknown", "nst_code": "unknown", "base_date": "format",
                   "field_code": "inconsistent"}
    exc = RecordValidationError(errors)
    assert exc.errors == errors
    assert len(exc.message_ko.splitlines()) == len(errors)
    assert all(e.field in str(exc) for e in errors)


def test_custom_required_fields():
    r = CompanyRecord(company_name="A사", business_reg_no="2208162517")
    assert validate_record(r, required=("company_name", "business_reg_no")) == []
    assert {e.field for e in validate_record(r)} == set(REQUIRED_FIELDS) - {"company_name", "business_reg_no"}


# ---------------------------------------------------------------------------------------------- from_mapping


def test_from_mapping_korean_headers():
    data = {"기업명": "(주)테스트센서", "사업자등록번호": "220-81-62517", "대표자명": "홍길동", "분류기준일": "2024-06-30",
            "업종코드": "26294", "업종명": "전자감지장치 제조업", "주요제품": "산업용 가스 감지 센서 모듈",
            "제품의 용도 및 특성": "공장 유해가스 누출을 실시간으로 감지하는 IoT 센서",
            "기술사업명": "MEMS 기반 저전력 가스센서 개발", "기술분류": "EE0101"}
    r = CompanyRecord.from_mapping(data)
    assert r == CompanyRecord(**VALID)
    assert validate_record(r) == []


@pytest.mark.parametrize("alias,name", [
    ("제품의 용도 및 특성", "product_use"), ("제품용도", "product_use"), ("제품의용도및특성", "product_use"),
    ("product_use", "product_use"), ("업체명", "company_name"), ("사업자번호", "business_reg_no"),
    ("대표자", "ceo_name"), ("KSIC", "ksic_code"), ("국가과학기술표준분류", "nst_code"), ("기준일", "base_date"),
    ("품목", "item_code"), ("테마", "theme_code"), ("분야", "field_code"), ("기준차수", "revision"),
])
def test_from_mapping_aliases(alias, name):
    r = CompanyRecord.from_mapping({alias: "  값  "})
    assert getattr(r, name) == "값"
    assert sum(bool(v) for v in r.to_dict().values()) == 1


def test_from_mapping_ignores_unknown_keys_and_missing_values():
    r = CompanyRecord.from_mapping({"비고": "x", " 기업명 ": "A사", "대표자명": None, "업종코드": math.nan, "기술분류": 7})
    assert r.company_name == "A사"
    assert r.ceo_name == "" and r.ksic_code == ""
    assert r.nst_code == "7"
    assert "비고" not in r.to_dict()


def test_field_specs_match_record_fields():
    assert [s.name for s in FIELD_SPECS] == record_field_names()
    aliases = [a for s in FIELD_SPECS for a in s.aliases]
    assert len(aliases) == len(set(aliases)), "an alias names two fields"
    for s in FIELD_SPECS:
        assert s.name in s.aliases and s.label_ko in s.aliases


def test_text_fields():
    assert CompanyRecord(**VALID).text_fields == {k: VALID[k] for k in
                                                  ("industry_name", "main_product", "product_use", "tech_project")}


@pytest.mark.parametrize("value", ["제품\x0b설명", "널\x00문자", "서로게이트\ud800", "C1\x85"])
def test_control_characters_refused_with_korean_message(value):
    errors = validate_record(CompanyRecord(main_product=value), required=())
    assert [e.code for e in errors] == ["characters"] and "제어 문자" in errors[0].message_ko
    assert not validate_record(CompanyRecord(main_product="줄\n바꿈\t탭"), required=())  # ordinary whitespace is fine


def test_overlong_fields_refused_everywhere():
    from workbench.batch.classify import prepare_record

    long_use = "가" * (MAX_LENGTH["product_use"] + 1)
    errors = validate_record(CompanyRecord(product_use=long_use), required=())
    assert [e.code for e in errors] == ["length"] and f"{MAX_LENGTH['product_use']:,}자" in errors[0].message_ko
    row = prepare_record(0, CompanyRecord(main_product="양극재", product_use=long_use))
    assert row.record is None and "자 이내" in row.error  # a batch row is refused, the others go on
    row = prepare_record(1, CompanyRecord(main_product="양극재\x1a"))
    assert row.record is None and "제어 문자" in row.error
