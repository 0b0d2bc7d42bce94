"""Training on the guarantor's real 판별 이력 (issue 14.4): a pseudonymised file (masked or empty 대표자명 and
사업자등록번호, official item codes or only item names) is read by `workbench train --data`, which prints rows
used and rows dropped with the reason for each kind.

The fixture is built here from the synthetic history (``data/synthetic``), in the shape such files come in.
"""
from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from test_official_codes import REV6, fixture_table, import_codes_cli, official_codes, reformat
from workbench.cli import app
from workbench.config import SYNTH_DIR
from workbench.schema.ingest import IngestError
from workbench.schema.training import REASONS_KO, read_training
from workbench.taxonomy.loader import load_revision_dir, load_taxonomy

HEADER = ["기업명", "사업자등록번호", "대표자명", "분류기준일", "업종코드", "업종명", "주요제품", "제품의 용도 및 특성",
          "기술사업명", "기술분류", "품목코드", "품목명", "기준차수"]


def synthetic_rows(n: int) -> list[dict[str, str]]:
    with (SYNTH_DIR / "synthetic_train.csv").open(encoding="utf-8-sig", newline="") as fh:
        return [row for _, row in zip(range(n), csv.DictReader(fh))]


def pseudonymised(path: Path, code_of=lambda code: code) -> tuple[Path, dict[str, int]]:
    """20 synthetic rows as a pseudonymised export: 가명 company names, masked or empty identity fields, a code
    column for some rows and only the item name for others, plus rows that must be dropped. Returns the file
    and the number of rows expected per reason."""
    rows = []
    for i, src in enumerate(synthetic_rows(20)):
        row = {h: src.get(h, "") for h in HEADER}
        row["기업명"] = f"가명기업_{i:03d}"
        row["사업자등록번호"] = "" if i % 2 else "***-**-*****"
        row["대표자명"] = "" if i % 3 else f"{src['대표자명'][0]}**"
        if i % 4 == 1:  # only the item name, spelled as another system does
            row["품목코드"], row["품목명"] = "", reformat(src["품목명"])
        else:
            row["품목코드"] = code_of(src["품목코드"])
        rows.append(row)
    tax = load_taxonomy("6")
    other = next(it for it in tax.items if it.code != rows[3]["품목코드"] and it.name != rows[3]["품목명"])
    rows[3]["품목명"] = other.name  # code and name name two different items
    rows[5].update(품목코드="", 품목명="해당 없음")
    rows[6].update(품목코드="Z99999", 품목명="")
    rows[7].update(품목코드="", 품목명="없는 품목 이름")
    rows[8].update(업종명="", 주요제품="", **{"제품의 용도 및 특성": "", "기술사업명": ""})
    rows[9].update(기준차수="9")
    rows[10].update(품목코드="", 품목명="")
    rows[11].update(업종코드="99999")
    rows.insert(12, dict.fromkeys(HEADER, ""))  # a blank line inside the file
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.DictWriter(fh, HEADER)
        writer.writeheader()
        writer.writerows(rows)
    expected = {REASONS_KO["conflict"]: 1, REASONS_KO["none_label"]: 1, REASONS_KO["unknown_code"]: 1,
                REASONS_KO["unknown_name"]: 1, REASONS_KO["no_text"]: 1, REASONS_KO["unknown_revision"]: 1,
                REASONS_KO["no_label"]: 1, "입력 오류: 업종코드 없는 코드": 1}
    return path, expected


def test_pseudonymised_history_is_read_without_identity_fields(tmp_path: Path):
    path, expected = pseudonymised(tmp_path / "이력_가명.csv")
    data = read_training(path)
    assert {reason: len(rows) for reason, rows in data.dropped.items()} == expected
    assert len(data.records) == 20 - sum(expected.values()) == 12 and data.blank_rows == [14]
    assert data.basis["name"] >= 2 and data.basis["code"] + data.basis["name"] == 12
    assert data.dropped[REASONS_KO["conflict"]] == [5]  # spreadsheet row numbers (header is row 1)
    assert all(r.ceo_name == "" and r.business_reg_no == "" for r in data.records)
    source = {f"가명기업_{i:03d}": row["품목코드"] for i, row in enumerate(synthetic_rows(20))}
    assert all(r.item_code == source[r.company_name] and r.item_name for r in data.records)


def test_labels_by_official_code_after_an_import(tmp_path: Path):
    root = tmp_path / "taxonomy"
    shutil.copytree(REV6, root / "rev6")
    tax = load_revision_dir(root / "rev6")
    codes = official_codes(tax)
    assert import_codes_cli(fixture_table(tmp_path / "official.csv", tax), root).exit_code == 0
    after = load_revision_dir(root / "rev6")

    path, _ = pseudonymised(tmp_path / "official_codes.csv", code_of=lambda code: codes[code])
    data = read_training(path, taxonomy=after)
    source = {f"가명기업_{i:03d}": codes[row["품목코드"]] for i, row in enumerate(synthetic_rows(20))}
    assert len(data.records) == 12 and all(r.item_code == source[r.company_name] for r in data.records)

    # the synthetic file itself still carries our earlier codes: each is read as its item's official code,
    # decided by the 품목명 where the code is also another item's official code today
    data = read_training(SYNTH_DIR / "synthetic_test.csv", taxonomy=after)
    originals = read_training(SYNTH_DIR / "synthetic_test.csv", taxonomy=tax)
    assert len(data.records) == len(originals.records) == 5000
    assert [r.item_code for r in data.records] == [codes[r.item_code] for r in originals.records]


def test_a_file_without_label_columns_is_refused(tmp_path: Path):
    path = tmp_path / "no_labels.csv"
    path.write_text("기업명,주요제품\n가,배터리\n", encoding="utf-8")
    with pytest.raises(IngestError, match="품목코드 또는 품목명"):
        read_training(path)


def test_train_command_prints_rows_used_and_dropped(tmp_path: Path, monkeypatch):
    fitted_on = []

    class Stub:  # stands in for the Recommender: no model is trained here
        model_id_ = "stub"

        def __init__(self, **_params):
            self.encoder_ = type("E", (), {"id": "stub-encoder"})()
            self.head_ = type("H", (), {"backend": "stub"})()

        def fit(self, records):
            fitted_on.extend(records)
            return self

        def save(self, folder):
            return Path(folder)

    monkeypatch.setattr("workbench.recommend.recommender.Recommender", Stub)
    path, expected = pseudonymised(tmp_path / "이력.csv")
    result = CliRunner().invoke(app, ["train", "--data", str(path), "--out", str(tmp_path / "model")])
    assert result.exit_code == 0, result.output
    assert "사용 12행, 제외 8행" in result.output
    for reason in expected:
        assert f"제외 · {reason}: 1행" in result.output
    assert len(fitted_on) == 12
