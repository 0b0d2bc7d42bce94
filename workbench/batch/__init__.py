"""Batch classification of a portfolio file (CSV/XLSX): every row scored, resumable, optionally on Dask.

``classify_file`` is the entry point (``workbench classify``); ``workbench.batch.engines`` holds the
single-process and Dask engines and the benchmark.
"""
from workbench.batch.classify import (
    RESULT_COLUMNS, ClassifyResult, PreparedRow, classify_file, prepare_rows, score_chunk,
)

__all__ = ["RESULT_COLUMNS", "ClassifyResult", "PreparedRow", "classify_file", "prepare_rows", "score_chunk"]
