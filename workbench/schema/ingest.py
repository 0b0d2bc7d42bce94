"""Read the guarantor's files (CSV in UTF-8 or CP949, XLSX; Korean or English headers) into records.

Every row is either loaded whole or reported with its spreadsheet row number: nothing is dropped silently.
Rows with no content in any cell are not records; their numbers are listed in ``IngestResult.blank_rows``.
"""
from __future__ import annotations

import zipfile
from xml.etree.ElementTree import ParseError
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from workbench.schema.record import (
    FIELD_SPECS, REQUIRED_FIELDS, SPEC_BY_NAME, CompanyRecord, FieldError, validate_record,
)
from workbench.taxonomy.model import Taxonomy

ENCODINGS = ("utf-8-sig", "cp949")


class IngestError(ValueError):
    """The file itself cannot be read (format, encoding, headers)."""


@dataclass
class RowError:
    row: int  # as a spreadsheet shows it: the header is row 1
    errors: list[FieldError]

    def __str__(self) -> str:
        return f"row {self.row}: " + "; ".join(str(e) for e in self.errors)


@dataclass
class IngestResult:
    records: list[CompanyRecord] = field(default_factory=list)
    rows: list[int] = field(default_factory=list)  # row number of each record
    errors: list[RowError] = field(default_factory=list)
    blank_rows: list[int] = field(default_factory=list)  # rows with no content at all (not records, not errors)

    def raise_for_errors(self) -> None:
        if self.errors:
            shown = "\n".join(str(e) for e in self.errors[:20])
            more = f"\n… and {len(self.errors) - 20} more" if len(self.errors) > 20 else ""
            raise IngestError(f"{len(self.errors)} invalid row(s):\n{shown}{more}")


def read_table(path: str | Path) -> pd.DataFrame:
    """Raw table with every cell as text; CSV encoding detected (UTF-8, then CP949)."""
    path = Path(path)
    if not path.exists():
        raise IngestError(f"{path}: file not found")
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        try:
            return pd.read_excel(path, dtype=str, keep_default_na=False)
        except (zipfile.BadZipFile, ValueError, KeyError, ParseError, OSError) as exc:
            # a zip without a workbook part (KeyError), broken XML inside (ParseError), a truncated file
            detail = str(exc).strip() or type(exc).__name__
            raise IngestError(f"{path}: not a readable XLSX workbook ({detail})") from None
    if suffix != ".csv":
        raise IngestError(f"{path}: unsupported file type {suffix!r} (use .csv or .xlsx)")
    for enc in ENCODINGS:
        try:
            # skip_blank_lines=False keeps row numbers equal to the spreadsheet's after an empty line;
            # index_col=False stops pandas from turning the first column into the index when data rows carry
            # one trailing delimiter more than the header (which shifted every value one column left).
            return pd.read_csv(path, dtype=str, keep_default_na=False, encoding=enc, skip_blank_lines=False,
                               index_col=False)
        except UnicodeDecodeError:
            continue
        except pd.errors.EmptyDataError:
            raise IngestError(f"{path}: the file is empty (no header row)") from None
        except pd.errors.ParserError as exc:
            raise IngestError(f"{path}: not a well-formed CSV table ({str(exc).strip()})") from None
    raise IngestError(f"{path}: not UTF-8 or CP949 text")


def canonical_columns(columns: list[str]) -> dict[str, str]:
    """Map file headers to record field names; unknown headers are kept out."""
    alias = {a.replace(" ", ""): s.name for s in FIELD_SPECS for a in s.aliases}
    return {c: alias[str(c).replace(" ", "").strip()] for c in columns if str(c).replace(" ", "").strip() in alias}


def read_records(path: str | Path, *, required: tuple[str, ...] = REQUIRED_FIELDS,
                 require_label: bool = False, taxonomy: Taxonomy | None = None) -> IngestResult:
    """Validate every row; valid rows become records, invalid rows are reported with their numbers."""
    df = read_table(path)
    mapping = canonical_columns(list(df.columns))
    missing = [n for n in required if n not in mapping.values()]
    if missing:
        named = ", ".join(f"{n} ({SPEC_BY_NAME[n].aliases[0]})" for n in missing)  # the guarantor's header
        raise IngestError(f"{path}: missing column(s): {named}")
    by_name: dict[str, list[str]] = {}
    for header, name in mapping.items():
        by_name.setdefault(name, []).append(str(header))
    clashes = {n: hs for n, hs in by_name.items() if len(hs) > 1}
    if clashes:  # pandas would silently keep the last of them
        raise IngestError(f"{path}: several columns mean the same field: "
                          + "; ".join(f"{n} ← {', '.join(hs)}" for n, hs in clashes.items()))
    blank = [not any(str(v).strip() for v in row if v == v and v is not None)
             for row in df.itertuples(index=False, name=None)]
    df = df.rename(columns=mapping)[list(by_name)]
    result = IngestResult()
    for i, (row, is_blank) in enumerate(zip(df.to_dict("records"), blank), start=2):
        if is_blank:
            result.blank_rows.append(i)
            continue
        rec = CompanyRecord.from_mapping(row)
        errs = validate_record(rec, required=required, taxonomy=taxonomy, require_label=require_label)
        if errs:
            result.errors.append(RowError(i, errs))
        else:
            result.records.append(rec)
            result.rows.append(i)
    return result


def read_labelled(path: str | Path) -> list[CompanyRecord]:
    """The judged records of a CSV/XLSX file (a label on every row); raises IngestError when any row is invalid."""
    result = read_records(path, require_label=True)
    result.raise_for_errors()
    return result.records


def records_to_frame(records: list[CompanyRecord], korean_headers: bool = True) -> pd.DataFrame:
    """The guarantor's layout: one column per field, Korean headers by default."""
    df = pd.DataFrame([r.to_dict() for r in records])
    if korean_headers:
        df = df.rename(columns={s.name: s.aliases[0] for s in FIELD_SPECS})
    return df
