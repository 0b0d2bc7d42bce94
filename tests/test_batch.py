"""Batch classification: incomplete and invalid rows, CP949 and XLSX files, checkpoint/resume, Dask engines.

The model is the session's shared one (``fitted_dir`` in conftest.py: e5 with a tuned encoder, saved once), so
the batch runs and each Dask worker load a folder that carries its own fine-tuned encoder; every scoring run
compares against one reference output of the single-process engine.
"""
from __future__ import annotations

import json

import pandas as pd
import pytest

from workbench.batch import engines
from workbench.batch.classify import RESULT_COLUMNS, Checkpoint, classify_file, file_sha256
from workbench.config import SYNTH_DIR
from workbench.schema.ingest import read_table

LABEL_HEADERS = ["테마코드", "테마명", "분야코드", "분야명", "품목코드", "품목명", "기준차수"]
TEXT_HEADERS = ["주요제품", "제품의 용도 및 특성", "기술사업명", "업종명"]


@pytest.fixture(scope="session")
def portfolio(tmp_path_factory):
    """10 rows in the guarantor's layout (Korean headers, CP949): valid rows, a row without any text, a row
    without 기술분류, a malformed 업종코드, an unknown 기술분류 section, a row with only 주요제품."""
    df = read_table(SYNTH_DIR / "synthetic_test.csv").head(10).drop(columns=LABEL_HEADERS)
    df.loc[1, TEXT_HEADERS] = ""
    df.loc[2, "기술분류"] = ""
    df.loc[3, "업종코드"] = "12AB"
    df.loc[4, "기술분류"] = "ZZ9999"
    df.loc[5, ["업종코드", "업종명", "제품의 용도 및 특성", "기술사업명", "기술분류"]] = ""
    df = df.map(lambda v: v.encode("cp949", "replace").decode("cp949"))  # e.g. '—' has no CP949 code
    path = tmp_path_factory.mktemp("in") / "portfolio.csv"
    df.to_csv(path, index=False, encoding="cp949")
    return path


@pytest.fixture(scope="session")
def reference(portfolio, fitted_dir, tmp_path_factory):
    """The uninterrupted single-process output of the portfolio (chunks of 3 rows)."""
    out = tmp_path_factory.mktemp("ref") / "result.csv"
    result = classify_file(portfolio, out, model_dir=fitted_dir, chunk_size=3, show_progress=False)
    return out, result


def read_out(path) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")


def test_mixed_rows_cp949(portfolio, reference):
    with pytest.raises(UnicodeDecodeError):
        portfolio.read_bytes().decode("utf-8")  # really CP949
    out, result = reference
    df = read_out(out)
    source = read_table(portfolio)
    assert list(df.columns) == list(source.columns) + RESULT_COLUMNS  # input columns kept, results appended
    assert len(df) == 10 and (df[list(source.columns)] == source).all().all()  # input order and values kept
    assert result.n_rows == 10 and result.n_errors == 1

    assert "판별할 텍스트가 없습니다" in df.loc[1, "오류"] and df.loc[1, "추천1 품목코드"] == ""
    ok = df.drop(index=1)
    assert (ok["오류"] == "").all()
    assert ok["추천1 품목코드"].str.fullmatch(r"[A-Z]\d{5}").all()
    for rank in (1, 2, 3):
        assert pd.to_numeric(ok[f"추천{rank} 신뢰도"]).between(0, 1).all()
    assert (pd.to_numeric(ok["추천1 신뢰도"]) >= pd.to_numeric(ok["추천2 신뢰도"])).all()
    assert ok["검토 필요"].isin(["예", "아니오"]).all()
    assert ((ok["검토 필요"] == "예") == (ok["검토 사유"] != "")).all()
    assert (ok["주요 키워드"] != "").all() and ok["모델 ID"].str.startswith("wb-").all()

    assert "입력 누락: 기술분류" in df.loc[2, "경고"]
    assert "업종코드 '12AB'" in df.loc[3, "경고"] and "숫자 5자리" in df.loc[3, "경고"]
    assert "기술분류 'ZZ9999'" in df.loc[4, "경고"]
    assert "입력 누락: 업종코드, 업종명, 제품용도, 기술사업명, 기술분류" in df.loc[5, "경고"]
    assert "입력 누락" not in df.loc[0, "경고"]


def test_xlsx_in_and_out_with_english_headers(tmp_path, fitted_dir):
    df = read_table(SYNTH_DIR / "synthetic_test.csv").iloc[20:23].drop(columns=LABEL_HEADERS)
    df = df.rename(columns={"기업명": "company_name", "주요제품": "main_product", "제품의 용도 및 특성": "product_use",
                            "기술사업명": "tech_project", "업종명": "industry_name", "업종코드": "ksic_code"})
    df = df.drop(columns=["기술분류"])  # a column missing from the file altogether
    src = tmp_path / "in.xlsx"
    df.to_excel(src, index=False)
    out = tmp_path / "out.xlsx"
    result = classify_file(src, out, model_dir=fitted_dir, show_progress=False)
    assert result.missing_columns == ["기술분류"]
    got = pd.read_excel(out, sheet_name="판별 결과", dtype={"사업자등록번호": str})
    assert list(got.columns) == list(df.columns) + RESULT_COLUMNS
    assert got["company_name"].tolist() == df["company_name"].tolist()
    assert got["사업자등록번호"].tolist() == df["사업자등록번호"].tolist()  # text stays text (no number coercion)
    assert got["추천1 신뢰도"].dtype.kind == "f"  # confidences are numbers in Excel
    assert got["경고"].str.contains("입력 누락: 기술분류").all()
    assert not any(p.name.startswith(("out.xlsx.", ".out.xlsx")) for p in tmp_path.iterdir())  # no sidecars left


class Interrupt(Exception):
    pass


def test_interrupt_and_resume_gives_identical_output(tmp_path, portfolio, fitted_dir, reference):
    out = tmp_path / "result.csv"

    def stop_after_two_chunks(rows_done: int) -> None:
        if rows_done >= 6:
            raise Interrupt

    with pytest.raises(Interrupt):
        classify_file(portfolio, out, model_dir=fitted_dir, chunk_size=3, show_progress=False,
                      on_chunk=stop_after_two_chunks)
    checkpoint = Checkpoint(out)
    assert not out.exists()
    state = json.loads(checkpoint.state_path.read_text(encoding="utf-8"))
    assert state["rows_done"] == 6 and state["input_sha256"] == file_sha256(portfolio)
    assert len(read_out(checkpoint.partial)) == 6
    with open(checkpoint.partial, "ab") as f:  # killed while appending the next chunk: a torn, unrecorded line
        f.write(b"6,X00001,torn")

    seen = []
    result = classify_file(portfolio, out, model_dir=fitted_dir, chunk_size=3, show_progress=False,
                           on_chunk=seen.append)
    assert result.resumed_from == 6 and seen == [9, 10]  # only the remaining rows were scored
    assert out.read_bytes() == reference[0].read_bytes()  # no duplicate, no missing, identical
    assert not checkpoint.partial.exists() and not checkpoint.state_path.exists()


def test_changed_input_or_model_restarts(tmp_path):
    out = tmp_path / "r.csv"
    cp = Checkpoint(out)
    assert cp.open("hash-a", "model-1", 5) == (0, "")
    cp.append([{"_row": 0, **{c: "" for c in RESULT_COLUMNS}}])
    assert Checkpoint(out).open("hash-a", "model-1", 5)[0] == 1  # same input and model: resume
    done, notice = Checkpoint(out).open("hash-b", "model-1", 5)
    assert done == 0 and "입력 파일이 바뀌어" in notice and not cp.partial.exists()
    cp = Checkpoint(out)
    cp.open("hash-b", "model-1", 5)
    cp.append([{"_row": 0, **{c: "" for c in RESULT_COLUMNS}}])
    done, notice = Checkpoint(out).open("hash-b", "model-2", 5)
    assert done == 0 and "모델이 바뀌어" in notice


def test_dask_local_cluster_processes_identical_and_model_loaded_once_per_worker(tmp_path, portfolio, fitted_dir,
                                                                                  reference):
    from distributed import Client, LocalCluster

    out = tmp_path / "dask.csv"
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster, \
            Client(cluster) as client:
        result = classify_file(portfolio, out, model_dir=fitted_dir, engine="dask", chunk_size=3,
                               scheduler=cluster.scheduler_address, show_progress=False)
        loads = client.run(engines.process_load_count)
    assert result.engine == "dask"
    assert out.read_bytes() == reference[0].read_bytes()
    assert sorted(loads.values()) == [1, 1]  # each worker process loaded the model exactly once


def test_dask_engine_starts_its_own_local_cluster(tmp_path, portfolio, fitted_dir, reference):
    """``--engine dask`` without a scheduler: a LocalCluster of 2 workers (threads here, to keep the test short)."""
    out = tmp_path / "dask_threads.csv"
    classify_file(portfolio, out, model_dir=fitted_dir, engine="dask", workers=2, processes=False, chunk_size=3,
                  show_progress=False)
    assert out.read_bytes() == reference[0].read_bytes()


def test_cli_classify(tmp_path, fitted_dir):
    from typer.testing import CliRunner
    import typer

    from workbench.batch.commands import register

    app = typer.Typer()
    app.command("noop")(lambda: None)
    register(app)
    src = tmp_path / "in.csv"
    pd.DataFrame({"주요제품": ["", "리튬이온 배터리 양극재"], "업종코드": ["", "ABC"]}).to_csv(src, index=False)
    res = CliRunner().invoke(app, ["classify", str(src), "-o", str(tmp_path / "o.csv"), "--model", str(fitted_dir),
                                   "--no-progress"])
    assert res.exit_code == 0, res.output
    assert "classified 2 rows" in res.output and "오류 1" in res.output
    bad = CliRunner().invoke(app, ["classify", str(src), "-o", str(tmp_path / "o.json"), "--model", str(fitted_dir)])
    assert bad.exit_code != 0


def test_a_row_whose_scoring_fails_is_reported_and_the_chunk_goes_on():
    from workbench.batch.classify import prepare_record, score_chunk
    from workbench.recommend.types import Recommendation
    from workbench.schema.record import CompanyRecord

    class Flaky:
        def recommend_batch(self, records, batch_size=32):
            if any(r.main_product == "boom" for r in records):
                raise RuntimeError("encoder crashed")
            return [Recommendation(items=[], review_required=False, review_reasons=[], warnings=[],
                                   taxonomy_revision="6", model_id="wb-fake", encoder_id="fake") for _ in records]

    rows = [prepare_record(i, CompanyRecord(main_product=p)) for i, p in enumerate(["드론", "boom", "센서"])]
    rows.append(prepare_record(3, CompanyRecord(ksic_code="26111")))  # no text
    out = score_chunk(Flaky(), rows)
    assert [r["_row"] for r in out] == [0, 1, 2, 3]
    assert [r["모델 ID"] for r in out] == ["wb-fake", "", "wb-fake", ""]
    assert out[1]["오류"] == "판별 실패: RuntimeError: encoder crashed"
    assert "판별할 텍스트가 없습니다" in out[3]["오류"]
    assert "입력 누락" in out[0]["경고"]
