"""Cells written to spreadsheets (CSV/XLSX exports): never a live formula, never a character XLSX refuses.

OWASP's CSV-injection advice: a text cell starting with ``=``, ``+``, ``-``, ``@``, tab or carriage return is
read by Excel and LibreOffice as a formula (``=HYPERLINK(…&F2, …)`` can leak a neighbouring cell), so it gets a
leading apostrophe, which spreadsheets show as plain text. Numbers stay numbers. Control characters that
openpyxl refuses (``IllegalCharacterError``) are dropped from text cells, so an export of stored data never fails.
"""
from __future__ import annotations

from typing import Any

import pandas as pd
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> Any:
    if not isinstance(value, str):
        return value
    value = ILLEGAL_CHARACTERS_RE.sub("", value)  # exactly what openpyxl would refuse
    return "'" + value if value.startswith(FORMULA_START) else value


def safe_frame(df: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``df`` whose text cells are safe to open in a spreadsheet (headers too)."""
    out = df.copy()
    for column in out.columns:
        if out[column].dtype == object or pd.api.types.is_string_dtype(out[column]):
            out[column] = out[column].map(safe_cell)
    out.columns = [safe_cell(c) for c in out.columns]
    return out
