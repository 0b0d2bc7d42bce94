"""Learning from examiners: current decision per company, superseded rows ignored, 해당 없음 excluded from
item training, history replaced by saved judgments, agreement counts exact on a hand-made store."""
from __future__ import annotations

import json
import uuid
from datetime import date

import pytest

from workbench.config import SYNTH_DIR
from workbench.learning import agreement_report, format_report, saved_judgment_records, saved_judgments, train_with_saved
from workbench.recommend.recommender import Recommender
from workbench.recommend.service import latest_model_dir
from workbench.schema.ingest import read_records
from workbench.schema.record import CompanyRecord
from workbench.store import JudgmentStore, NewJudgment
from workbench.taxonomy.loader import load_taxonomy

# themes: E20001 에너지(E), H30008 환경·스마트농축수산(H), D10015/D20001 소재·부품(D), B20005 바이오헬스(B),
# F20005 인공지능(F); Z99999 is in no revision.
RECS = [{"rank": 1, "item_code": "E20001", "item_name": "바이오매스 에너지", "confidence": 0.6},
        {"rank": 2, "item_code": "H30008", "item_name": "폐자원에너지", "confidence": 0.2},
        {"rank": 3, "item_code": "D10015", "item_name": "이온성 액체(이온 전도체)", "confidence": 0.1}]
RECS_D = [{"rank": 1, "item_code": "D20001", "item_name": "3차원 이미지센서", "confidence": 0.5},
          {"rank": 2, "item_code": "E20001", "item_name": "바이오매스 에너지", "confidence": 0.3}]
BRN = {c: f"{i:03d}8112345" for i, c in enumerate(["C1", "C2", "C3", "C4", "C5", "C6", "C7"], start=101)}


def judgment(company: str, decision: str, rank: int | None = None, final: str | None = None,
             recs: list[dict] = RECS) -> NewJudgment:
    if decision == "accept":
        final = recs[rank - 1]["item_code"]
    return NewJudgment(
        examiner="김심사", idempotency_key=uuid.uuid4().hex, company_name=f"(주){company}", business_reg_no=BRN[company],
        ceo_name="홍길동", base_date=date(2025, 3, 31), ksic_code="20111", industry_name="기초 화학물질 제조업",
        main_product=f"{company} 바이오매스 열분해 가스화 설비", product_use="폐목재를 연료로 전환",
        tech_project="바이오매스 가스화 실증", nst_code="EH0803", recommendations=recs, review_flag=False,
        warnings=[], decision_type=decision, accepted_rank=rank, final_item_code=final,
        final_item_name=None if final is None else f"{final} 품목", taxonomy_revision="6", model_id="wb-test",
        encoder_id="e5", model_version="test", app_version="0.1.0")


@pytest.fixture
def store(tmp_path):
    with JudgmentStore(f"sqlite:///{tmp_path / 'judgments.sqlite3'}") as s:
        c1 = s.save(judgment("C1", "accept", rank=1)).id
        s.correct(c1, judgment("C1", "other", final="B20005"))  # the correction wins, the original is superseded
        s.save(judgment("C2", "accept", rank=2))
        s.save(judgment("C2", "none"))  # a later decision for the same company wins
        s.save(judgment("C3", "accept", rank=3))
        s.save(judgment("C4", "other", final="F20005"))
        s.save(judgment("C5", "none", recs=RECS_D))
        s.save(judgment("C6", "accept", rank=1))
        s.save(judgment("C7", "other", final="Z99999"))
        yield s


def test_saved_records_latest_per_company(store):
    records = {r.company_name: r for r in saved_judgment_records(store)}
    assert set(records) == {"(주)C1", "(주)C3", "(주)C4", "(주)C6", "(주)C7"}  # C2 and C5: 해당 없음
    assert records["(주)C1"].item_code == "B20005"  # correction, not the superseded accept of E20001
    assert records["(주)C3"].item_code == "D10015"  # accepted recommendation 3
    assert records["(주)C4"].item_code == "F20005"
    assert records["(주)C6"].item_code == "E20001"
    r = records["(주)C6"]
    assert (r.business_reg_no, r.base_date, r.main_product) == (BRN["C6"], "2025-03-31", "C6 바이오매스 열분해 가스화 설비")

    saved = saved_judgments(store, load_taxonomy("6"))
    assert saved.counts == {"accept": 2, "other": 3, "none": 2}  # 7 companies, 해당 없음 counted
    assert saved.none_reg_nos == {BRN["C2"], BRN["C5"]}
    assert saved.skipped == ["Z99999"] and len(saved.records) == 4  # not in revision 6: left out of training
    assert saved.records[0].theme_code and saved.records[0].field_name  # labels completed from the taxonomy


def test_agreement_report_counts(store):
    df = agreement_report(store, load_taxonomy("6"))
    table = {row["테마코드"]: [row[c] for c in ("판정 수", "추천1 채택", "추천2 채택", "추천3 채택", "다른 품목 선택", "해당 없음")]
             for row in df.to_dict("records")}
    assert list(table) == ["전체", "B", "D", "E", "F", "-"]  # overall, then themes in the taxonomy's order
    assert table == {
        "전체": [7, 1, 0, 1, 3, 2],
        "B": [1, 0, 0, 0, 1, 0],  # C1 corrected to B20005
        "D": [2, 0, 0, 1, 0, 1],  # C3 accepted D10015; C5 해당 없음 with recommendation 1 D20001
        "E": [2, 1, 0, 0, 0, 1],  # C6 accepted E20001; C2 해당 없음 with recommendation 1 E20001
        "F": [1, 0, 0, 0, 1, 0],  # C4 chose F20005
        "-": [1, 0, 0, 0, 1, 0],  # C7 chose an item outside the revision
    }
    overall = df.iloc[0]
    assert overall["추천1 채택률"] == round(1 / 7, 4) and overall["추천1~3 채택률"] == round(2 / 7, 4)
    assert overall["해당 없음 비율"] == round(2 / 7, 4)
    assert "14.3%" in format_report(df)

    every = agreement_report(store, load_taxonomy("6"), latest_only=False)  # C2's first decision counts too
    assert every.iloc[0][["판정 수", "추천2 채택", "해당 없음"]].tolist() == [8, 1, 2]


def test_cli_report_agreement(store, tmp_path):
    import typer
    from typer.testing import CliRunner

    from workbench.batch.commands import register

    app = typer.Typer()
    app.command("noop")(lambda: None)
    register(app)
    out = tmp_path / "agreement.csv"
    res = CliRunner().invoke(app, ["report", "agreement", "--db", store.url, "--out", str(out)])
    assert res.exit_code == 0, res.output
    assert "추천1 채택" in res.output and "전체" in res.output
    assert out.read_bytes().startswith(b"\xef\xbb\xbf")


def test_latest_model_per_encoder(tmp_path):
    for name, created, encoder in (("a", "2026-01-01", "e5"), ("b", "2026-02-01", "gemma"), ("c", "2026-01-15", "e5")):
        (tmp_path / name).mkdir()
        (tmp_path / name / "manifest.json").write_text(json.dumps({"created": created, "encoder": encoder}))
    assert latest_model_dir(tmp_path) == tmp_path / "b"
    assert latest_model_dir(tmp_path, encoder="e5") == tmp_path / "c"
    assert latest_model_dir(tmp_path, encoder="use") is None


def test_train_with_saved_replaces_history_and_writes_new_version(store, tmp_path):
    history = read_records(SYNTH_DIR / "synthetic_train.csv", require_label=True).records
    items = sorted({r.item_code for r in history})[:8]
    small = [r for r in history if r.item_code in items]
    small = [r for i, r in enumerate(small) if sum(s.item_code == r.item_code for s in small[:i]) < 3]
    replaced_c6 = CompanyRecord(company_name="옛 C6", business_reg_no=f"{BRN['C6'][:3]}-{BRN['C6'][3:5]}-{BRN['C6'][5:]}",
                                main_product="옛 판정의 제품", item_code="H30008")
    dropped_c2 = CompanyRecord(company_name="옛 C2", business_reg_no=BRN["C2"], main_product="옛 제품", item_code="H30008")
    root = tmp_path / "models"
    old = root / "wb-older"  # an earlier version: latest_model_dir orders by the manifest's creation time
    old.mkdir(parents=True)
    (old / "manifest.json").write_text(json.dumps({"created": "2025-01-01T00:00:00+00:00"}), encoding="utf-8")
    assert latest_model_dir(root) == old

    path = train_with_saved(small + [replaced_c6, dropped_c2], store, encoder="e5", out_root=root,
                            head_backend="sklearn", C=1.0, tune_encoder=False)  # tuning: tests/test_tuning.py
    assert path.parent == root and path != old and latest_model_dir(root) == path
    sources = json.loads((path / "training_sources.json").read_text(encoding="utf-8"))
    assert sources["history_records_replaced"] == 2
    assert (sources["saved_accept"], sources["saved_other"], sources["saved_none_excluded"]) == (2, 3, 2)
    assert sources["saved_used"] == 4 and sources["saved_skipped_unknown_item"] == ["Z99999"]
    assert sources["n_train_records"] == len(small) + 4
    names = {m["company_name"] for m in Recommender.load(path).train_meta_}
    assert {"(주)C1", "(주)C3", "(주)C4", "(주)C6"} <= names
    assert not names & {"옛 C6", "옛 C2", "(주)C2", "(주)C5", "(주)C7"}
