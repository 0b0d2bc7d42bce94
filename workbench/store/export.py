"""Export saved judgments as a table with Korean headers (CSV with BOM for Excel, or XLSX)."""
from __future__ import annotations

import io
import os
from collections.abc import Iterable
from datetime import timezone
from typing import IO, Any

import pandas as pd

from workbench.schema.cells import safe_frame
from workbench.store.repository import MAX_RECOMMENDATIONS, JudgmentRow
from workbench.taxonomy.model import code_status_ko
from workbench.taxonomy.supports import supports_for

DECISION_LABELS_KO = {"accept": "추천 채택", "other": "다른 품목 선택", "none": "해당 없음"}

_RECOMMENDATION_HEADERS = [
    header
    for rank in range(1, MAX_RECOMMENDATIONS + 1)
    for header in (f"추천{rank} 품목코드", f"추천{rank} 코드 상태", f"추천{rank} 품목명", f"추천{rank} 신뢰도")
]

COLUMNS_KO: list[str] = [
    "번호",
    "저장일시(UTC)",
    "심사자",
    "기업명",
    "사업자등록번호",
    "대표자명",
    "분류기준일",
    "표준산업분류코드",
    "업종명",
    "주요제품",
    "제품용도",
    "기술과제",
    "국가과학기술표준분류코드",
    *_RECOMMENDATION_HEADERS,
    "검토필요",
    "경고",
    "판정",
    "채택 순위",
    "최종 품목코드",
    "최종 코드 상태",
    "최종 품목명",
    "연계 우대지원",
    "의견",
    "정정 대상 번호",
    "정정된 번호",
    "분류체계 개정",
    "모델 ID",
    "인코더 ID",
    "모델 버전",
    "앱 버전",
    "원본 문서 파일명",
    "원본 문서 SHA-256",
]

_INTEGER_COLUMNS = ["번호", "채택 순위", "정정 대상 번호", "정정된 번호"]
SHEET_NAME = "판정 기록"


def _record(row: JudgmentRow) -> dict[str, Any]:
    recommended: list[Any] = []
    for rank in range(1, MAX_RECOMMENDATIONS + 1):
        rec = next((r for i, r in enumerate(row.recommendations) if r.get("rank", i + 1) == rank), {})
        recommended += [rec.get("item_code"), code_status_ko(rec.get("code_status")) if rec else None,
                        rec.get("item_name"), rec.get("confidence")]
    reg_no = row.business_reg_no
    values = [
        row.id,
        row.created_at.astimezone(timezone.utc).replace(tzinfo=None),  # Excel has no time zones
        row.examiner,
        row.company_name,
        f"{reg_no[:3]}-{reg_no[3:5]}-{reg_no[5:]}",  # text form keeps leading zeros in Excel
        row.ceo_name,
        row.base_date,
        row.ksic_code,
        row.industry_name,
        row.main_product,
        row.product_use,
        row.tech_project,
        row.nst_code,
        *recommended,
        "예" if row.review_flag else "아니오",
        "; ".join(str(w) for w in row.warnings),
        DECISION_LABELS_KO[row.decision_type],
        row.accepted_rank,
        row.final_item_code,
        code_status_ko(row.code_status) if row.final_item_code else None,
        row.final_item_name,
        "; ".join(str(s) for s in supports_for(row.decision_type)),
        row.comment,
        row.supersedes_id,
        row.superseded_by_id,
        row.taxonomy_revision,
        row.model_id,
        row.encoder_id,
        row.model_version,
        row.app_version,
        row.source_file_name,
        row.source_file_sha256,
    ]
    return dict(zip(COLUMNS_KO, values, strict=True))


def to_dataframe(rows: Iterable[JudgmentRow]) -> pd.DataFrame:
    """One line per judgment, columns ``COLUMNS_KO`` (Korean headers, Korean decision labels)."""
    frame = pd.DataFrame([_record(row) for row in rows], columns=COLUMNS_KO)
    return frame.astype({column: "Int64" for column in _INTEGER_COLUMNS})


def export_csv(rows: Iterable[JudgmentRow], path_or_buffer: str | os.PathLike[str] | IO[Any]) -> None:
    """Write CSV in UTF-8 with BOM so Excel shows Korean correctly (text buffers get the BOM character); text
    cells never start a formula (``schema.cells``)."""
    frame = safe_frame(to_dataframe(rows))
    if isinstance(path_or_buffer, io.TextIOBase):
        path_or_buffer.write("\ufeff")
        frame.to_csv(path_or_buffer, index=False)
    else:
        frame.to_csv(path_or_buffer, index=False, encoding="utf-8-sig")


def export_xlsx(rows: Iterable[JudgmentRow], path_or_buffer: str | os.PathLike[str] | IO[bytes]) -> None:
    """Write an Excel workbook with one sheet ``SHEET_NAME``; text cells are made safe as in :func:`export_csv`."""
    safe_frame(to_dataframe(rows)).to_excel(path_or_buffer, index=False, sheet_name=SHEET_NAME, engine="openpyxl")
