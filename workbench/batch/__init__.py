"""Batch classification of a portfolio file (CSV/XLSX): every row scored, resumable, optionally on Dask.

``classify_file`` is the entry point (``workbench classify``); ``workbench.batch.rows`` prepares and scores
rows, ``workbench.batch.engines`` holds the single-process and Dask engines, ``workbench.batch.bench`` their
benchmark. Names are imported lazily, so that registering the CLI commands (``workbench.batch.commands``) does
not import pandas.
"""
from __future__ import annotations

__all__ = ["RESULT_COLUMNS", "ClassifyResult", "PreparedRow", "classify_file", "prepare_rows", "score_chunk"]


def __getattr__(name: str):
    if name in __all__:
        from workbench.batch import classify

        return getattr(classify, name)
    raise AttributeError(f"module 'workbench.batch' has no attribute {name!r}")
