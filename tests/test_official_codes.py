"""Provisional item codes (issue 14.3): the 임시 코드 marker and saved code status, `workbench taxonomy
import-codes` on a fixture code table with renamed and reordered codes, and judgments and trained models that
keep working after the import."""
from __future__ import annotations

import csv
import io
import random
import shutil
from datetime import date
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from test_ui_state import FakeRecommender, make_state
from workbench.cli import app
from workbench.learning import saved_judgments
from workbench.recommend.types import ItemRecommendation, Recommendation
from workbench.schema.record import CompanyRecord
from workbench.store import JudgmentStore, NewJudgment, export_csv
from workbench.taxonomy.loader import load_revision_dir, load_taxonomy
from workbench.taxonomy.model import normalize_name
from workbench.ui.state import HistoryState
from workbench.ui.views import ResultView, item_html, judgment_html

REV6 = Path(__file__).resolve().parent.parent / "taxonomy" / "rev6"
RENAMED_THEME = {"A": "T"}  # the official letter of theme A differs from ours


def official_codes(tax) -> dict[str, str]:
    """Our code → a fixture 'official' code: numbers reversed within each field (so most codes of ours become
    another item's official code) and theme A lettered T."""
    out = {}
    for f in tax.fields:
        members = [it for it in tax.items if it.field_code == f.code]
        prefix = RENAMED_THEME.get(f.code[0], f.code[0]) + f.code[1:]
        out.update({it.code: f"{prefix}{k:03d}" for k, it in enumerate(reversed(members), start=1)})
    return out


def reformat(name: str) -> str:
    """The name as another table may spell it: no spaces, square brackets, Hangul middle dot."""
    return name.replace(" ", "").replace("(", "[").replace(")", "]").replace("·", "ㆍ")


def write_table(path: Path, rows: list[dict[str, str]]) -> Path:
    if path.suffix == ".xlsx":
        pd.DataFrame(rows).to_excel(path, index=False)
        return path
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.DictWriter(fh, list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path


@pytest.fixture
def root(tmp_path: Path) -> Path:
    """A taxonomy folder holding a copy of revision 6."""
    shutil.copytree(REV6, tmp_path / "taxonomy" / "rev6")
    return tmp_path / "taxonomy"


def fixture_table(path: Path, tax) -> Path:
    codes = official_codes(tax)
    rows = [{"품목명": reformat(it.name), "품목코드": codes[it.code]} for it in tax.items]
    random.Random(7).shuffle(rows)  # reordered: the table's order is not ours
    return write_table(path, rows)


def import_codes_cli(table: Path, root: Path, *extra: str):
    return CliRunner().invoke(app, ["taxonomy", "import-codes", str(table), "--revision", "6",
                                    "--taxonomy-dir", str(root), *extra])


def test_normalize_name_ignores_spacing_brackets_and_middle_dots():
    assert normalize_name("3차원 건설정보 모델링(BIM)") == normalize_name("3차원건설정보모델링 [bim]")
    assert normalize_name("전기·하이브리드차") == normalize_name("전기ㆍ하이브리드차") == normalize_name("전기･하이브리드차")
    assert normalize_name("전기·하이브리드차") != normalize_name("전기 하이브리드차")


def test_rev6_codes_are_provisional_and_described_so():
    tax = load_taxonomy("6")
    assert sum(it.provisional for it in tax.items) == 239
    assert not tax.item("I30003").provisional and tax.describe("I30003")["code_status"] == "official"
    assert tax.describe("A10001")["code_status"] == "provisional" and tax.codes_version == 0


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_import_codes_matches_names_and_writes_revision_data(root: Path, tmp_path: Path, suffix: str):
    before = load_revision_dir(root / "rev6")
    codes = official_codes(before)
    result = import_codes_cli(fixture_table(tmp_path / f"official{suffix}", before), root)
    assert result.exit_code == 0, result.output
    assert "품목명 일치 240개" in result.output

    after = load_revision_dir(root / "rev6")
    assert after.codes_version == 1 and not any(it.provisional for it in after.items)
    for old in before.items:  # every item, its text and its KSIC links now under the official code
        new = after.item(codes[old.code])
        assert (new.name, new.definition_text) == (old.name, old.definition_text)
        assert [k.ksic11_code for k in after.ksic_by_item[new.code]] == [k.ksic11_code for k in before.ksic_by_item[old.code]]
        assert after.current_code(old.code) == new.code  # a code saved before the import
        assert after.current_code(new.code, codes_version=1) == new.code  # a code saved after it
    # reordered: B10001 was ours for one item and is now another item's official code
    assert after.item("B10001").name != before.item("B10001").name and after.current_code("B10001") != "B10001"
    assert "A10001" not in after.item_by_code and after.item(codes["A10001"]).code.startswith("T10")
    assert {t.code for t in after.themes} == {RENAMED_THEME.get(t.code, t.code) for t in before.themes}
    assert after.theme_by_code["T"].name == before.theme_by_code["A"].name
    assert all(f.code_status == "official" for f in after.fields)


def test_import_codes_reports_unmatched_names_and_writes_nothing(root: Path, tmp_path: Path):
    tax = load_revision_dir(root / "rev6")
    rows = [{"품목명": it.name, "품목코드": code} for it, code in zip(tax.items, official_codes(tax).values())]
    rows[2]["품목명"] = "디지털 트윈 플랫폼"  # not an item name of ours: never guessed
    files = {p.name: p.read_bytes() for p in (root / "rev6").iterdir()}
    result = import_codes_cli(write_table(tmp_path / "official.csv", rows), root)
    assert result.exit_code == 1
    assert "4행 '디지털 트윈 플랫폼'" in result.output and "디지털트윈" in result.output  # row and suggestion
    assert "아무것도 쓰지 않았습니다" in result.output
    assert {p.name: p.read_bytes() for p in (root / "rev6").iterdir()} == files


def test_import_codes_refuses_a_code_that_clashes_with_a_kept_provisional_code(root: Path, tmp_path: Path):
    table = write_table(tmp_path / "partial.csv", [{"품목명": "3차원 건설정보 모델링(BIM)", "품목코드": "A10002"}])
    result = import_codes_cli(table, root)
    assert result.exit_code == 1 and "XaaS" in result.output  # A10002 is still XaaS's provisional code
    assert load_revision_dir(root / "rev6").codes_version == 0


def test_partial_import_keeps_other_codes_provisional(root: Path, tmp_path: Path):
    table = write_table(tmp_path / "partial.csv", [{"품목명": "3차원 건설정보 모델링 (BIM)", "품목코드": "A10099"}])
    result = import_codes_cli(table, root)
    assert result.exit_code == 0, result.output
    tax = load_revision_dir(root / "rev6")
    assert not tax.item("A10099").provisional and tax.item("A10002").provisional
    assert sum(it.provisional for it in tax.items) == 238 and tax.current_code("A10001") == "A10099"


def test_result_screen_history_and_exports_mark_provisional_codes(tmp_path: Path):
    store = JudgmentStore(f"sqlite:///{tmp_path / 'j.sqlite3'}")
    try:
        state = make_state(FakeRecommender(), store)
        assert state.classify()
        card = item_html(state.recommendation, state.record, 1)
        assert 'class="badge badge-provisional"' in card and "임시 코드" in card
        options = ResultView._decision_options(state.recommendation)
        assert all("(임시 코드)" in label for label in options if "채택" in label)
        state.decision = "accept:1"
        assert state.save()
        row = store.list()[0]
        assert (row.code_status, row.codes_version, row.provisional_code) == ("provisional", 0, True)

        history = HistoryState(store=lambda: store)
        assert history.refresh() and history.frame.iloc[0]["코드 상태"] == "임시 코드"
        assert "badge-provisional" in judgment_html(row)
        buffer = io.StringIO()
        export_csv([row], buffer)
        exported = pd.read_csv(io.StringIO(buffer.getvalue().lstrip("\ufeff")), dtype=str)
        assert exported.loc[0, "최종 코드 상태"] == "임시 코드" and exported.loc[0, "추천1 코드 상태"] == "임시 코드"
    finally:
        store.close()


def test_official_code_has_no_marker():
    tax = load_taxonomy("6")
    item = ItemRecommendation(rank=1, **tax.describe("I30003"), confidence=0.7, rationale="")
    rec = Recommendation(items=[item], review_required=False, review_reasons=[], warnings=[], taxonomy_revision="6",
                         model_id="m", encoder_id="e")
    record = CompanyRecord(company_name="가", main_product="광고 플랫폼")
    assert not item.provisional and "임시 코드" not in item_html(rec, record, 1)
    row_html = judgment_html(_row(final_item_code="I30003", code_status="official"), current_code=None)
    assert "badge-provisional" not in row_html.split("최종 판정")[1].split("</tr>")[0]


def _row(**overrides):
    from datetime import datetime, timezone

    from workbench.store import JudgmentRow

    values = dict(id=1, created_at=datetime(2026, 12, 1, tzinfo=timezone.utc), examiner="이심사", idempotency_key="k",
                  company_name="가", business_reg_no="2208162517", ceo_name="김", base_date=date(2026, 12, 1),
                  decision_type="other", final_item_code="A10001", final_item_name="3차원 건설정보 모델링(BIM)",
                  taxonomy_revision="6", model_id="m", encoder_id="e", model_version="m", app_version="a")
    return JudgmentRow(**(values | overrides))


def test_saved_judgments_follow_the_import(root: Path, tmp_path: Path, monkeypatch):
    tax = load_revision_dir(root / "rev6")
    codes = official_codes(tax)
    assert import_codes_cli(fixture_table(tmp_path / "official.csv", tax), root).exit_code == 0
    after = load_revision_dir(root / "rev6")
    monkeypatch.setattr("workbench.ui.state.load_taxonomy", lambda rev: after)

    store = JudgmentStore(f"sqlite:///{tmp_path / 'j.sqlite3'}")
    try:
        common = dict(examiner="이심사", company_name="(주)가", ceo_name="김", base_date=date(2026, 12, 1),
                      main_product="BIM 설계 소프트웨어", decision_type="other", taxonomy_revision="6",
                      model_id="m", encoder_id="e", model_version="m", app_version="a")
        store.save(NewJudgment(idempotency_key="before", business_reg_no="2208162517", final_item_code="B10001",
                               final_item_name=tax.item("B10001").name, code_status="provisional", **common))
        # saved after the import under an official code that was another item's provisional code before
        store.save(NewJudgment(idempotency_key="after", business_reg_no="1248100998", final_item_code="B10001",
                               final_item_name=after.item("B10001").name, code_status="official", codes_version=1,
                               **common))
        saved = saved_judgments(store, after)
        by_reg_no = {r.business_reg_no: r.item_code for r in saved.records}
        assert by_reg_no == {"2208162517": codes["B10001"], "1248100998": "B10001"} and not saved.skipped
        old_row = next(r for r in store.list() if r.codes_version is None)
        assert HistoryState.current_code(old_row) == codes["B10001"]
        assert f"현재 코드: {codes['B10001']}" in judgment_html(old_row, HistoryState.current_code(old_row))
        # the history filter finds an item under each code it had, and not another item's old code
        monkeypatch.setattr("workbench.ui.state.revision_dirs", lambda: {"6": root / "rev6"})
        history = HistoryState(store=lambda: store)
        for item, reg_nos in ((codes["B10001"], ["2208162517"]), ("B10001", ["1248100998"])):
            history.item = item
            assert [r.business_reg_no for r in history.fetch()] == reg_nos
    finally:
        store.close()


def test_trained_model_keeps_working_after_the_import(fitted_dir, history, root: Path, tmp_path: Path, monkeypatch):
    from workbench.recommend.recommender import Recommender

    folder = fitted_dir  # the session's model, saved before the import (only read here)
    record = history[1][0]
    before = Recommender.load(folder).recommend(record)
    tax = load_revision_dir(root / "rev6")
    codes = official_codes(tax)
    assert import_codes_cli(fixture_table(tmp_path / "official.csv", tax), root).exit_code == 0
    after_tax = load_revision_dir(root / "rev6")
    monkeypatch.setattr("workbench.recommend.recommender.load_taxonomy", lambda rev: after_tax)

    rec = Recommender.load(folder)
    assert sorted(rec.items_) == sorted(after_tax.item_codes)
    after = rec.recommend(record)
    assert [(codes[b.item_code], b.item_name, b.confidence) for b in before.items] == \
           [(a.item_code, a.item_name, a.confidence) for a in after.items]
    assert all(a.code_status == "official" and not a.provisional for a in after.items)
    assert all(p.item_code == a.item_code for a in after.items for p in a.precedents)
    # a model trained after the import records its codes version and is read as is
    resaved = rec.save(tmp_path / "model-after")
    assert Recommender.load(resaved).items_ == rec.items_
