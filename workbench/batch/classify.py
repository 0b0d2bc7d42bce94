"""Classify every row of a portfolio file and write the input back with Korean result columns.

* Rows are read as the guarantor's files carry them (CSV in UTF-8 or CP949, XLSX; Korean or English headers).
  Every input column is kept; the result columns (:data:`RESULT_COLUMNS`) are appended, in input order.
* Incomplete rows are still scored from whatever text they have, with a warning naming what was missing;
  a malformed 업종코드/기술분류 gives a warning and is ignored for scoring. Only a row without any usable
  text fails, with its reason in the ``오류`` column; a row whose scoring raises fails the same way. The
  batch always goes on.
* Resumable: results are appended chunk by chunk to ``OUTPUT.partial.csv`` and ``OUTPUT.state.json``
  records the input's SHA-256, the model id, the rows done and the partial file's length. Rerunning the
  same command continues after the last finished chunk (a half-written chunk is cut off, so no row is
  duplicated); a changed input file or model restarts from row 1. The final file is written atomically
  (temporary file + rename) and the sidecars are removed.
* Scoring runs in chunks of ``chunk_size`` rows on an engine (:mod:`workbench.batch.engines`): in this
  process or on Dask workers. Both score exactly the same chunks, so the output does not depend on the engine.
"""
from __future__ import annotations

import hashlib
import io
import json
import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import pandas as pd
from tqdm.auto import tqdm

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: no lock, the checkpoint still works
    fcntl = None

from workbench.batch.engines import make_engine
from workbench.batch.rows import (CONFIDENCE_COLUMNS, RESULT_COLUMNS, ROW_KEY, YES, PreparedRow, missing_columns,
                                  prepare_record, prepare_rows, score_chunk)
from workbench.schema.cells import safe_frame
from workbench.schema.ingest import read_table

STATE_VERSION = 1


@dataclass
class ClassifyResult:
    output: Path
    n_rows: int
    n_errors: int
    n_review: int
    n_warned: int
    resumed_from: int  # rows taken from an earlier, interrupted run (0: started afresh)
    seconds: float  # wall time of this run (scoring and writing)
    engine: str
    missing_columns: list[str] = field(default_factory=list)  # Korean labels of technology fields absent from the file
    notice: str = ""  # why a checkpoint was discarded, if one was

    @property
    def rows_per_second(self) -> float:
        done = self.n_rows - self.resumed_from
        return done / self.seconds if self.seconds > 0 else 0.0


def file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


class Checkpoint:
    """``OUTPUT.partial.csv`` (finished result rows, appended per chunk) and ``OUTPUT.state.json``.

    The state is replaced atomically after each appended chunk and records the partial file's length, so a
    chunk half-written when the run was killed is cut off on resume.
    """

    def __init__(self, output: Path):
        self.partial = output.with_name(output.name + ".partial.csv")
        self.state_path = output.with_name(output.name + ".state.json")
        self.lock_path = output.with_name(output.name + ".lock")
        self.output = output
        self.state: dict = {}

    @contextmanager
    def locked(self) -> Iterator[None]:
        """One run per output file at a time (an OS lock: released when the process ends, however it ends)."""
        self.lock_path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.lock_path, "a+b") as f:
            if fcntl is not None:
                try:
                    fcntl.flock(f.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                except BlockingIOError:
                    raise RuntimeError(f"{self.output} is being written by another classify run") from None
            try:
                yield
            finally:
                if fcntl is not None:
                    fcntl.flock(f.fileno(), fcntl.LOCK_UN)
        self.lock_path.unlink(missing_ok=True)

    def open(self, input_sha256: str, model_id: str, n_rows: int, restart: bool = False) -> tuple[int, str]:
        """Rows already done (0 = start afresh) and, when an old checkpoint is discarded, why."""
        expected = {"input_sha256": input_sha256, "model_id": model_id, "n_rows": n_rows}
        notice, done = "", 0
        old = self._read_state()
        if old and not restart:
            if old.get("input_sha256") != input_sha256 or old.get("n_rows") != n_rows:
                notice = "입력 파일이 바뀌어 처음부터 다시 판별합니다 (input changed: restarting)."
            elif old.get("model_id") != model_id:
                notice = f"모델이 바뀌어 처음부터 다시 판별합니다 (model {old.get('model_id')} → {model_id})."
            elif not self.partial.exists() or self.partial.stat().st_size < old.get("partial_bytes", 0):
                notice = "중간 결과 파일이 없거나 잘려 있어 처음부터 다시 판별합니다 (partial file missing)."
            else:
                done = int(old["rows_done"])
                with open(self.partial, "r+b") as f:  # drop a chunk written after the last state update
                    f.truncate(old["partial_bytes"])
                self.state = old
        if not done:
            self.clear()
            self.state = {"version": STATE_VERSION, **expected, "rows_done": 0, "partial_bytes": 0}
        return done, notice

    def _read_state(self) -> dict:
        try:
            state = json.loads(self.state_path.read_text(encoding="utf-8"))
        except (FileNotFoundError, ValueError):
            return {}
        return state if state.get("version") == STATE_VERSION else {}

    def append(self, rows: list[dict]) -> None:
        buf = io.StringIO()
        first = self.state["partial_bytes"] == 0
        pd.DataFrame(rows, columns=[ROW_KEY, *RESULT_COLUMNS]).to_csv(buf, header=first, index=False,
                                                                       lineterminator="\n")
        data = buf.getvalue().encode("utf-8")
        with open(self.partial, "r+b" if self.partial.exists() else "wb") as f:
            f.seek(self.state["partial_bytes"])
            f.write(data)
            f.truncate()
            f.flush()
            os.fsync(f.fileno())
        self.state.update(rows_done=self.state["rows_done"] + len(rows),
                          partial_bytes=self.state["partial_bytes"] + len(data),
                          updated=datetime.now(timezone.utc).isoformat())
        _atomic_write_text(self.state_path, json.dumps(self.state, ensure_ascii=False, indent=1))

    def results(self) -> pd.DataFrame:
        if self.state.get("partial_bytes", 0) == 0:
            return pd.DataFrame(columns=[ROW_KEY, *RESULT_COLUMNS], dtype=str)
        return pd.read_csv(self.partial, dtype=str, keep_default_na=False, encoding="utf-8")

    def clear(self) -> None:
        for p in (self.partial, self.state_path):
            p.unlink(missing_ok=True)


def _atomic_write_text(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


# ---- output -----------------------------------------------------------------------------------------------

OUTPUT_SUFFIXES = (".csv", ".xlsx")
SHEET_NAME = "판별 결과"


def check_output_path(output: Path) -> None:
    if output.suffix.lower() not in OUTPUT_SUFFIXES:
        raise ValueError(f"{output}: output must be .csv or .xlsx")


def write_output(df: pd.DataFrame, output: Path) -> None:
    """Write atomically: a temporary file in the same folder, then a rename over ``output``. Text cells never
    start a formula and carry no character XLSX refuses (``schema.cells``)."""
    output.parent.mkdir(parents=True, exist_ok=True)
    tmp = output.with_name(f".{output.name}.{os.getpid()}.tmp")
    df = safe_frame(df)
    try:
        if output.suffix.lower() == ".xlsx":
            for c in CONFIDENCE_COLUMNS:
                df[c] = pd.to_numeric(df[c].replace("", None), errors="coerce")
            with pd.ExcelWriter(tmp, engine="openpyxl") as xw:
                df.to_excel(xw, index=False, sheet_name=SHEET_NAME)
        else:  # UTF-8 with BOM: Excel opens Korean text correctly
            df.to_csv(tmp, index=False, encoding="utf-8-sig", lineterminator="\n")
        os.replace(tmp, output)
    finally:
        tmp.unlink(missing_ok=True)


def assemble(table: pd.DataFrame, results: pd.DataFrame) -> pd.DataFrame:
    """Input columns (as read) + result columns, row for row. Stale result columns of an input that is itself
    an earlier output are replaced."""
    n = len(table)
    rows = results[ROW_KEY].astype(int).tolist()
    if rows != list(range(n)):
        raise RuntimeError(f"checkpoint holds rows {rows[:5]}… for an input of {n} rows; rerun with --restart")
    base = table.drop(columns=[c for c in RESULT_COLUMNS if c in table.columns]).reset_index(drop=True)
    return pd.concat([base, results[RESULT_COLUMNS].reset_index(drop=True)], axis=1)


# ---- driver -----------------------------------------------------------------------------------------------

def _chunks(rows: list[PreparedRow], start: int, size: int) -> Iterator[list[PreparedRow]]:
    for a in range(start, len(rows), size):
        yield rows[a:a + size]


def model_id_of(model_dir: Path) -> str:
    path = Path(model_dir) / "manifest.json"
    if not path.exists():
        raise FileNotFoundError(f"no trained model at {model_dir} (manifest.json missing); run `workbench train`")
    return json.loads(path.read_text(encoding="utf-8"))["model_id"]


def classify_file(input_path: str | Path, output: str | Path, *, model_dir: str | Path | None = None,
                  engine: str = "local", scheduler: str | None = None, workers: int = 2,
                  processes: bool = True, worker_model_dir: str | None = None, chunk_size: int = 50,
                  restart: bool = False, show_progress: bool = True,
                  on_chunk: Callable[[int], None] | None = None) -> ClassifyResult:
    """Classify every row of ``input_path`` into ``output`` (.csv or .xlsx); see the module docstring.

    ``engine`` "local" scores in this process; "dask" on a Dask cluster: ``scheduler`` (address of a running
    scheduler) or, without one, a LocalCluster of ``workers`` processes (threads if ``processes=False``).
    ``worker_model_dir`` is the model folder as the workers see it (default: the same path).
    ``on_chunk(rows_done)`` is called after each chunk has been checkpointed.
    """
    from workbench.recommend.service import model_dir as default_model_dir

    started = time.perf_counter()
    input_path, output = Path(input_path), Path(output)
    check_output_path(output)
    if chunk_size < 1:
        raise ValueError("chunk_size must be at least 1")
    model_dir = Path(model_dir) if model_dir else default_model_dir()
    model_id = model_id_of(model_dir)
    table = read_table(input_path)
    rows = prepare_rows(table)
    checkpoint = Checkpoint(output)
    with checkpoint.locked():
        return _run(checkpoint, input_path, output, table, rows, model_dir, model_id, started, engine=engine,
                    scheduler=scheduler, workers=workers, processes=processes, worker_model_dir=worker_model_dir,
                    chunk_size=chunk_size, restart=restart, show_progress=show_progress, on_chunk=on_chunk)


def _run(checkpoint: Checkpoint, input_path: Path, output: Path, table: pd.DataFrame, rows: list[PreparedRow],
         model_dir: Path, model_id: str, started: float, *, engine, scheduler, workers, processes, worker_model_dir,
         chunk_size, restart, show_progress, on_chunk) -> ClassifyResult:
    done, notice = checkpoint.open(file_sha256(input_path), model_id, len(rows), restart=restart)
    if done < len(rows):
        with make_engine(engine, model_dir, scheduler=scheduler, workers=workers, processes=processes,
                         worker_model_dir=worker_model_dir) as eng, \
                tqdm(total=len(rows), initial=done, unit="row", desc="분류", disable=not show_progress,
                     dynamic_ncols=True, smoothing=0.05) as bar:
            for results in eng.map(_chunks(rows, done, chunk_size)):
                checkpoint.append(results)
                bar.update(len(results))
                if on_chunk is not None:
                    on_chunk(checkpoint.state["rows_done"])
    results = checkpoint.results()
    write_output(assemble(table, results), output)
    checkpoint.clear()
    errors = results["오류"] != ""
    return ClassifyResult(
        output=output, n_rows=len(rows), n_errors=int(errors.sum()),
        n_review=int((results["검토 필요"] == YES).sum()), n_warned=int((results["경고"] != "").sum()),
        resumed_from=done, seconds=time.perf_counter() - started, engine=engine,
        missing_columns=missing_columns(table), notice=notice)


__all__ = ["RESULT_COLUMNS", "ClassifyResult", "PreparedRow", "classify_file", "prepare_rows", "prepare_record",
           "score_chunk", "Checkpoint"]
