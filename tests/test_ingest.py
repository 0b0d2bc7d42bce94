"""Reading the guarantor's files: CSV (UTF-8 with BOM, CP949) and XLSX, Korean or English headers."""
from __future__ import annotations

import warnings
from pathlib import Path

import pandas as pd
import pytest

from workbench.schema.ingest import IngestError, IngestResult, RowError, read_records, read_table, records_to_frame
from workbench.schema.record import CompanyRecord, FieldError

KO = {"company_name": "기업명", "business_reg_no": "사업자등록번호", "ceo_name": "대표자명", "base_date": "분류기준일",
      "ksic_code": "업종코드", "industry_name": "업종명", "main_product": "주요제품",
      "product_use": "제품의 용도 및 특성", "tech_project": "기술사업명", "nst_code": "기술분류",
      "item_code": "품목코드", "revision": "기준차수"}


def company(n: int, **changes) -> dict[str, str]:
    row = {"company_name": f"(주)한빛센서{n}", "business_reg_no": "220-81-62517", "ceo_name": "김민수",
           "base_date": "2024-06-30", "ksic_code": "01110", "industry_name": "곡물 및 기타 식량작물 재배업",
           "main_product": "스마트팜 재배 시스템", "product_use": "온실 환경을 자동으로 제어하는 재배 설비",
           "tech_project": "AI 기반 생육 환경 제어", "nst_code": "EE0101"}
    row.update(changes)
    return row


# spreadsheet row → (row, fields expected in error); header is row 1
ROWS = [
    company(1),                                                        # 2 valid (KSIC with a leading zero)
    company(2, business_reg_no="220-81-62518"),                        # 3 check digit
    company(3, business_reg_no="2208162517", ksic_code="10611"),       # 4 valid (10th-revision KSIC)
    company(4, ceo_name=""),                                           # 5 blank
    company(5, ksic_code="99999", nst_code="ZZ0101"),                  # 6 two problems
    company(6, product_use="실내 공기질 측정"),                         # 7 valid
    company(7, nst_code="E10101", company_name=""),                    # 8 two problems
]
EXPECTED_VALID_ROWS = [2, 4, 7]
EXPECTED_ERRORS = {3: {"business_reg_no"}, 5: {"ceo_name"}, 6: {"ksic_code", "nst_code"},
                   8: {"nst_code", "company_name"}}


def frame(rows: list[dict[str, str]], korean: bool) -> pd.DataFrame:
    df = pd.DataFrame(rows)
    return df.rename(columns=KO) if korean else df


def write(df: pd.DataFrame, path: Path, fmt: str) -> Path:
    if fmt == "csv-utf8-bom":
        df.to_csv(path.with_suffix(".csv"), index=False, encoding="utf-8-sig")
    elif fmt == "csv-cp949":
        df.to_csv(path.with_suffix(".csv"), index=False, encoding="cp949")
    elif fmt == "xlsx":
        df.to_excel(path.with_suffix(".xlsx"), index=False)
    else:
        raise ValueError(fmt)
    return path.with_suffix(".xlsx" if fmt == "xlsx" else ".csv")


FORMATS = ["csv-utf8-bom", "csv-cp949", "xlsx"]


@pytest.mark.parametrize("korean", [True, False], ids=["korean-headers", "english-headers"])
@pytest.mark.parametrize("fmt", FORMATS)
def test_mixed_rows_every_format(tmp_path, fmt, korean):
    path = write(frame(ROWS, korean), tmp_path / "companies", fmt)
    raw = path.read_bytes()
    if fmt == "csv-utf8-bom":
        assert raw.startswith(b"\xef\xbb\xbf")
    if fmt == "csv-cp949":
        with pytest.raises(UnicodeDecodeError):
            raw.decode("utf-8")  # the file really needs the CP949 fallback

    result = read_records(path)
    assert len(result.records) + len(result.errors) == len(ROWS)  # nothing dropped silently
    assert result.blank_rows == []
    assert result.rows == EXPECTED_VALID_ROWS
    assert [r.company_name for r in result.records] == ["(주)한빛센서1", "(주)한빛센서3", "(주)한빛센서6"]
    assert {e.row: {f.field for f in e.errors} for e in result.errors} == EXPECTED_ERRORS
    first = result.records[0]
    assert first == CompanyRecord(**ROWS[0])  # every cell as text: leading zero of 01110 kept
    assert result.records[2].product_use == "실내 공기질 측정"
    assert result.records[1].ksic_code == "10611"
    assert all(isinstance(e, RowError) and all(isinstance(f, FieldError) for f in e.errors) for e in result.errors)
    blank = next(e for e in result.errors if e.row == 5).errors[0]
    assert blank.code == "blank" and "대표자명" in blank.message_ko


def test_all_valid_file_loads_everything(tmp_path):
    rows = [company(i, business_reg_no=brn) for i, brn in enumerate(["220-81-62517", "124-81-00998"])]
    result = read_records(write(frame(rows, True), tmp_path / "ok", "xlsx"))
    assert result.errors == [] and result.rows == [2, 3]
    result.raise_for_errors()  # nothing to raise
    assert [r.business_reg_no for r in result.records] == ["220-81-62517", "124-81-00998"]


def test_raise_for_errors_names_rows(tmp_path):
    result = read_records(write(frame(ROWS, True), tmp_path / "mixed", "csv-utf8-bom"))
    with pytest.raises(IngestError) as info:
        result.raise_for_errors()
    msg = str(info.value)
    assert msg.startswith("4 invalid row(s)")
    for row, fields in EXPECTED_ERRORS.items():
        line = next(ln for ln in msg.splitlines() if ln.startswith(f"row {row}:"))
        assert all(f in line for f in fields)
    assert "row 2:" not in msg


def test_raise_for_errors_truncates_long_lists():
    errs = [RowError(i, [FieldError("ceo_name", "blank", "공란", "ceo_name is blank")]) for i in range(2, 27)]
    with pytest.raises(IngestError) as info:
        IngestResult(errors=errs).raise_for_errors()
    msg = str(info.value)
    assert msg.startswith("25 invalid row(s)") and "and 5 more" in msg
    assert "row 21:" in msg and "row 22:" not in msg


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("column", ["ceo_name", "product_use", "nst_code"])
def test_missing_required_column(tmp_path, fmt, column):
    df = frame(ROWS, True).drop(columns=[KO[column]])
    with pytest.raises(IngestError) as info:
        read_records(write(df, tmp_path / "missing", fmt))
    msg = str(info.value)
    assert "missing column" in msg and column in msg and KO[column].replace(" ", "") in msg.replace(" ", "")
    others = [c for c in ("company_name", "business_reg_no", "ksic_code") if c != column]
    assert not any(o in msg for o in others)


def test_missing_optional_column_is_fine(tmp_path):
    df = frame(ROWS, True).drop(columns=[KO["base_date"]])
    assert read_records(write(df, tmp_path / "nodate", "csv-utf8-bom")).rows == EXPECTED_VALID_ROWS


@pytest.mark.parametrize("name", ["companies.xls", "companies.txt", "companies.json", "companies"])
def test_unsupported_extension(tmp_path, name):
    path = tmp_path / name
    path.write_text("기업명\nA사\n", encoding="utf-8")
    with pytest.raises(IngestError, match="unsupported file type"):
        read_records(path)


def test_missing_file(tmp_path):
    with pytest.raises(IngestError, match="file not found"):
        read_records(tmp_path / "nowhere.csv")


def test_empty_and_broken_files(tmp_path):
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    with pytest.raises(IngestError, match="empty"):
        read_table(empty)
    fake = tmp_path / "fake.xlsx"
    fake.write_text("not a workbook", encoding="utf-8")
    with pytest.raises(IngestError, match="XLSX"):
        read_table(fake)
    binary = tmp_path / "binary.csv"
    binary.write_bytes(b"\x80\xff\xfe\x00" * 10)
    with pytest.raises(IngestError, match="UTF-8 or CP949"):
        read_table(binary)


def test_header_spacing_and_aliases(tmp_path):
    df = pd.DataFrame([company(1)]).rename(columns={
        "company_name": " 업체명 ", "business_reg_no": "사업자번호", "ceo_name": "대표자", "ksic_code": "KSIC",
        "product_use": "제품의용도및특성", "nst_code": "국가과학기술표준분류", "main_product": "주요 제품"})
    df["비고"] = "무시되는 열"
    result = read_records(write(df, tmp_path / "alias", "csv-cp949"))
    assert result.errors == [] and result.records == [CompanyRecord(**company(1))]


def test_two_columns_for_one_field_is_an_error(tmp_path):
    df = frame([company(1)], True)
    df["KSIC"] = "26294"  # 업종코드 and KSIC both mean ksic_code: which one is meant?
    with pytest.raises(IngestError, match="ksic_code"):
        read_records(write(df, tmp_path / "twice", "csv-utf8-bom"))


def test_row_numbers_survive_blank_lines(tmp_path):
    """Blank lines in a CSV keep their row numbers, are listed as blank, and shift nothing after them."""
    df = frame([company(1), company(2, ceo_name="")], True)
    header, good, bad = df.to_csv(index=False).splitlines()
    path = tmp_path / "gaps.csv"
    path.write_text("\n".join([header, good, "", bad, ",,,,,,,,,", ""]) + "\n", encoding="utf-8")
    result = read_records(path)
    assert result.rows == [2]
    assert [e.row for e in result.errors] == [4]
    assert [f.field for f in result.errors[0].errors] == ["ceo_name"]
    assert result.blank_rows == [3, 5, 6]
    assert len(result.records) + len(result.errors) + len(result.blank_rows) == 5


def test_blank_rows_in_xlsx(tmp_path):
    blank = {k: "" for k in company(0)}
    df = frame([company(1), blank, company(3, business_reg_no="1")], True)
    result = read_records(write(df, tmp_path / "gaps", "xlsx"))
    assert (result.rows, [e.row for e in result.errors], result.blank_rows) == ([2], [4], [3])


def test_trailing_delimiter_on_data_rows(tmp_path):
    """Some exports end each data line with a comma the header lacks; values must stay in their columns."""
    df = frame([company(1), company(2)], True)
    header, *lines = df.to_csv(index=False).splitlines()
    path = tmp_path / "trailing.csv"
    path.write_text("\n".join([header] + [ln + "," for ln in lines]) + "\n", encoding="utf-8-sig")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", pd.errors.ParserWarning)
        result = read_records(path)
    assert result.errors == []
    assert result.records == [CompanyRecord(**company(1)), CompanyRecord(**company(2))]


def test_ragged_row_is_an_ingest_error(tmp_path):
    df = frame([company(1), company(2)], True)
    header, first, second = df.to_csv(index=False).splitlines()
    path = tmp_path / "ragged.csv"
    path.write_text("\n".join([header, first, second + ",여분,셀"]) + "\n", encoding="utf-8")
    with pytest.raises(IngestError, match="line 3"):
        read_records(path)


def test_labels_checked_when_required(tmp_path):
    rows = [company(1, item_code="I30003", revision="6"), company(2, item_code="Z99999", revision="6"),
            company(3, item_code="", revision="6"), company(4, item_code="A20008", revision="7-hypothetical")]
    path = write(frame(rows, True), tmp_path / "labels", "xlsx")
    result = read_records(path, require_label=True)
    assert result.rows == [2, 5]
    assert {e.row: [(f.field, f.code) for f in e.errors] for e in result.errors} == {
        3: [("item_code", "unknown")], 4: [("item_code", "blank")]}
    assert [r.item_code for r in result.records] == ["I30003", "A20008"]


def test_round_trip_through_records_to_frame(tmp_path):
    records = read_records(write(frame(ROWS, False), tmp_path / "in", "csv-utf8-bom")).records
    out = records_to_frame(records)
    assert "제품의 용도 및 특성" in out.columns and "기업명" in out.columns
    assert list(records_to_frame(records, korean_headers=False).columns)[:3] == ["company_name", "business_reg_no",
                                                                                 "ceo_name"]
    again = read_records(write(out, tmp_path / "out", "csv-cp949"))
    assert again.records == records and again.errors == []


def test_malformed_xlsx_is_a_clear_ingest_error(tmp_path):
    import zipfile

    no_workbook = tmp_path / "no_workbook.xlsx"
    with zipfile.ZipFile(no_workbook, "w") as z:
        z.writestr("hello.txt", "not a workbook")
    good = tmp_path / "good.xlsx"
    pd.DataFrame({"기업명": ["가"]}).to_excel(good, index=False)
    broken = tmp_path / "broken_xml.xlsx"
    with zipfile.ZipFile(good) as src, zipfile.ZipFile(broken, "w") as z:
        for name in src.namelist():
            data = src.read(name)
            z.writestr(name, data[: len(data) // 2] if name.endswith("sheet1.xml") else data)
    for path in (no_workbook, broken):
        with pytest.raises(IngestError, match="not a readable XLSX workbook"):
            read_table(path)
