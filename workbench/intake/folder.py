"""A folder of documents as a batch table: one row per document with its proposed fields (Korean headers)."""
from __future__ import annotations

import hashlib
from pathlib import Path

import pandas as pd

from workbench.intake.errors import IntakeError
from workbench.intake.propose import FIELDS, propose
from workbench.intake.read import READERS
from workbench.schema.record import SPEC_BY_NAME


def documents_table(folder: Path) -> pd.DataFrame:
    """Every PDF/DOCX/HWP/HWPX file directly in ``folder`` (sorted by name): 파일명, SHA-256, the proposed fields,
    and 문서 오류 (the Korean reason) for a file that could not be read."""
    rows = []
    for path in sorted(p for p in folder.iterdir() if p.suffix.lower().lstrip(".") in READERS and p.is_file()):
        row = {"파일명": path.name, "파일 SHA-256": hashlib.sha256(path.read_bytes()).hexdigest(), "문서 오류": ""}
        row |= {SPEC_BY_NAME[k].label_ko: "" for k in FIELDS}
        try:
            for name, proposal in propose(path).fields.items():
                row[SPEC_BY_NAME[name].label_ko] = proposal.value
        except IntakeError as exc:
            row["문서 오류"] = exc.message_ko
        rows.append(row)
    return pd.DataFrame(rows, columns=["파일명", "파일 SHA-256", *(SPEC_BY_NAME[k].label_ko for k in FIELDS), "문서 오류"])


def write_documents_table(folder: Path, out: Path) -> Path:
    """:func:`documents_table` as a UTF-8 CSV at ``out`` (the input of ``workbench classify``)."""
    table = documents_table(folder)
    if table.empty:
        raise FileNotFoundError(f"{folder}: PDF, DOCX, HWP, HWPX 문서가 없습니다")
    table.to_csv(out, index=False, encoding="utf-8-sig")
    return out
