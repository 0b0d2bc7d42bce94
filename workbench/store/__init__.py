"""Judgment store: append-only record of examiner decisions (SQLite or PostgreSQL, Alembic-migrated)."""
from workbench.store.errors import StoreError
from workbench.store.export import export_csv, export_xlsx, to_dataframe
from workbench.store.repository import (DECISION_TYPES, ExportLogRow, JudgmentRow, JudgmentStore, NewJudgment,
                                        SaveResult)

__all__ = [
    "DECISION_TYPES",
    "ExportLogRow",
    "JudgmentRow",
    "JudgmentStore",
    "NewJudgment",
    "SaveResult",
    "StoreError",
    "export_csv",
    "export_xlsx",
    "to_dataframe",
]
