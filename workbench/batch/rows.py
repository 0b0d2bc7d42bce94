"""Rows of a portfolio file as the scorer sees them: validated records with their warnings, and each row's
Korean result columns. Shared by :mod:`workbench.batch.classify` (files, checkpoint) and
:mod:`workbench.batch.engines` (where chunks are scored), so neither needs the other's internals."""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

import pandas as pd

from workbench.recommend.text import TEXT_ORDER, has_text
from workbench.recommend.types import Recommendation
from workbench.schema.ingest import IngestError, canonical_columns
from workbench.schema.record import SPEC_BY_NAME, TECH_FIELDS, TEXT_ERROR_CODES, CompanyRecord, validate_record
from workbench.taxonomy.model import code_status_ko

ROW_KEY = "_row"  # 0-based input position, kept in the checkpoint only
RANKS = 3
CONFIDENCE_COLUMNS = [f"추천{r} 신뢰도" for r in range(1, RANKS + 1)]
RESULT_COLUMNS: list[str] = [
    *(h for r in range(1, RANKS + 1) for h in (f"추천{r} 품목코드", f"추천{r} 코드 상태", f"추천{r} 품목명", f"추천{r} 신뢰도")),
    "검토 필요", "검토 사유", "경고", "주요 키워드", "오류", "모델 ID",
]
CODE_FIELDS = ("ksic_code", "nst_code")  # codes that are checked and, when malformed, ignored for scoring
PERSONAL_FIELDS = ("company_name", "business_reg_no", "ceo_name")
LABEL_FIELDS = ("theme_code", "theme_name", "field_code", "field_name", "item_code", "item_name", "revision")
SCORING_BATCH = 32  # encoder batch inside a chunk (the same on every engine, so results are identical)
YES, NO = "예", "아니오"
SEP = "; "


@dataclass
class PreparedRow:
    """One input row ready to score: the record (codes cleaned) and its input warnings, or why it cannot be."""

    row: int  # 0-based position in the input table
    record: CompanyRecord | None
    warnings: list[str] = field(default_factory=list)
    error: str = ""


# ---- rows -------------------------------------------------------------------------------------------------

def _field_map(columns: list[str]) -> dict[str, str]:
    """Input header → record field, refusing files where two headers mean the same field."""
    mapping = canonical_columns(columns)
    by_name: dict[str, list[str]] = {}
    for header, name in mapping.items():
        by_name.setdefault(name, []).append(str(header))
    clashes = {n: hs for n, hs in by_name.items() if len(hs) > 1}
    if clashes:
        raise IngestError("several columns mean the same field: "
                          + "; ".join(f"{SPEC_BY_NAME[n].label_ko} ← {', '.join(hs)}" for n, hs in clashes.items()))
    return mapping


def missing_columns(df: pd.DataFrame) -> list[str]:
    """Korean labels of the technology fields that have no column at all in the file."""
    present = set(canonical_columns(list(df.columns)).values())
    return [SPEC_BY_NAME[n].label_ko for n in TECH_FIELDS if n not in present]


def prepare_rows(df: pd.DataFrame) -> list[PreparedRow]:
    """Records, warnings and errors of every row of a raw table (:func:`read_table`), in input order."""
    mapping = _field_map(list(df.columns))
    headers = list(df.columns)
    out = []
    for i, values in enumerate(df.itertuples(index=False, name=None)):
        cells = {mapping[h]: v for h, v in zip(headers, values) if h in mapping}
        if not any(_cell(v) for v in values):
            out.append(PreparedRow(i, None, [], "빈 행입니다 (입력된 내용이 없습니다)."))
            continue
        out.append(prepare_record(i, CompanyRecord.from_mapping({k: _cell(v) for k, v in cells.items()})))
    return out


def _cell(value) -> str:
    if value is None or (isinstance(value, float) and value != value):
        return ""
    return str(value).strip()


def prepare_record(row: int, record: CompanyRecord) -> PreparedRow:
    """Warn about missing technology fields and malformed codes (which are then ignored); fail without text."""
    # labels play no part in scoring, and personal data need not travel to (Dask) workers
    record = dataclasses.replace(record, **{name: "" for name in LABEL_FIELDS + PERSONAL_FIELDS})
    missing = [SPEC_BY_NAME[n].label_ko for n in TECH_FIELDS if not getattr(record, n).strip()]
    if not has_text(record):
        labels = "·".join(SPEC_BY_NAME[n].label_ko for n in TEXT_ORDER)
        return PreparedRow(row, None, [], f"판별할 텍스트가 없습니다 ({labels} 모두 공란).")
    warnings = []
    if missing:
        warnings.append(f"입력 누락: {', '.join(missing)} — 입력된 항목만으로 판별했습니다.")
    problems = validate_record(record, required=())
    refused = [e for e in problems if e.code in TEXT_ERROR_CODES]  # a value no store or scorer should take
    if refused:
        return PreparedRow(row, None, [], " ".join(e.message_ko for e in refused))
    cleaned = {}
    for err in problems:
        if err.field in CODE_FIELDS and err.field not in cleaned:
            label = SPEC_BY_NAME[err.field].label_ko
            warnings.append(f"{label} '{getattr(record, err.field)}'는 판별에 사용하지 않았습니다: {err.message_ko}")
            cleaned[err.field] = ""
    return PreparedRow(row, dataclasses.replace(record, **cleaned), warnings)


# ---- scoring ----------------------------------------------------------------------------------------------

def score_chunk(recommender, rows: list[PreparedRow]) -> list[dict]:
    """Result columns of each row (plus ``_row``), in the order given. Never raises for a row: a row whose
    scoring fails gets its error in ``오류`` and the others are scored."""
    good = [p for p in rows if p.record is not None]
    by_row: dict[int, dict] = {}
    try:
        recs: list[Recommendation | Exception] = list(
            recommender.recommend_batch([p.record for p in good], batch_size=SCORING_BATCH))
    except Exception:  # find the row(s) at fault; the others are scored one by one
        recs = []
        for p in good:
            try:
                recs.append(recommender.recommend_batch([p.record], batch_size=SCORING_BATCH)[0])
            except Exception as exc:  # noqa: BLE001 - reported in the row, the batch goes on
                recs.append(exc)
    for p, r in zip(good, recs):
        if isinstance(r, Exception):
            by_row[p.row] = error_row(p.row, f"판별 실패: {type(r).__name__}: {r}", p.warnings)
        else:
            r.input_warnings = list(p.warnings)
            by_row[p.row] = result_row(p.row, r)
    for p in rows:
        if p.record is None:
            by_row[p.row] = error_row(p.row, p.error, p.warnings)
    return [by_row[p.row] for p in rows]


def result_row(row: int, rec: Recommendation) -> dict:
    out: dict = {ROW_KEY: row, **{c: "" for c in RESULT_COLUMNS}}
    for it in rec.items[:RANKS]:
        out[f"추천{it.rank} 품목코드"] = it.item_code
        out[f"추천{it.rank} 코드 상태"] = code_status_ko(it.code_status)
        out[f"추천{it.rank} 품목명"] = it.item_name
        out[f"추천{it.rank} 신뢰도"] = round(float(it.confidence), 4)
    out["검토 필요"] = YES if rec.review_required else NO
    out["검토 사유"] = SEP.join(rec.review_reasons)
    out["경고"] = SEP.join([*rec.input_warnings, *rec.warnings])
    words = [k.text for k in (rec.items[0].keywords if rec.items else []) if k.weight > 0]
    out["주요 키워드"] = ", ".join(dict.fromkeys(words))
    out["모델 ID"] = rec.model_id
    return out


def error_row(row: int, error: str, warnings: list[str] = ()) -> dict:
    out: dict = {ROW_KEY: row, **{c: "" for c in RESULT_COLUMNS}}
    out["오류"] = error
    out["경고"] = SEP.join(warnings)
    return out


# ---- checkpoint -------------------------------------------------------------------------------------------
