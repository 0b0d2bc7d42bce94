"""CLI commands of the batch and learning features; ``register(app)`` adds them to the ``workbench`` app:

* ``workbench classify INPUT.(csv|xlsx)|FOLDER -o OUTPUT.(csv|xlsx) [--engine dask [--scheduler ADDR | --workers N]]``
* ``workbench report agreement [--out FILE.csv]``
"""
from __future__ import annotations

from pathlib import Path

import typer

from workbench.config import DEFAULT_REVISION


def classify_cmd(
    input_path: Path = typer.Argument(..., metavar="INPUT", help="portfolio file (.csv in UTF-8/CP949, or .xlsx), or a "
                                                               "folder of documents (PDF, DOCX, HWP, HWPX)"),
    output: Path = typer.Option(..., "-o", "--output", help="result file (.csv or .xlsx)"),
    model: Path | None = typer.Option(None, help="model folder (default: WORKBENCH_MODEL_DIR or the newest)"),
    engine: str = typer.Option("local", help="local (this process) | dask"),
    scheduler: str | None = typer.Option(None, help="Dask scheduler address, e.g. tcp://10.0.0.5:8786 "
                                                     "(implies --engine dask; without it a LocalCluster is started)"),
    workers: int = typer.Option(2, help="LocalCluster worker processes (--engine dask without --scheduler)"),
    worker_model_dir: str | None = typer.Option(None, help="the model folder as the Dask workers see it "
                                                           "(default: the same path)"),
    chunk_size: int = typer.Option(50, min=1, help="rows per chunk: the checkpoint and Dask partition size"),
    restart: bool = typer.Option(False, help="ignore an existing checkpoint and start from row 1"),
    progress: bool = typer.Option(True, help="show the progress bar"),
) -> None:
    """Classify every row of a portfolio file: top-3 items, 검토 필요, warnings, keywords (resumable)."""
    from workbench.batch.classify import classify_file
    from workbench.schema.ingest import IngestError

    if scheduler and engine == "local":
        engine = "dask"
    if engine not in ("local", "dask"):
        raise typer.BadParameter("use 'local' or 'dask'", param_hint="--engine")
    if output.suffix.lower() not in (".csv", ".xlsx"):
        raise typer.BadParameter("the result file must end in .csv or .xlsx", param_hint="--output")
    try:
        if input_path.is_dir():  # one row per document: its proposed fields (workbench intake)
            from workbench.intake.folder import write_documents_table

            input_path = write_documents_table(input_path, output.with_name(f"{output.stem}.documents.csv"))
            typer.echo(f"documents → {input_path}")
        r = classify_file(input_path, output, model_dir=model, engine=engine, scheduler=scheduler, workers=workers,
                          worker_model_dir=worker_model_dir, chunk_size=chunk_size, restart=restart,
                          show_progress=progress)
    except (IngestError, FileNotFoundError) as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from None
    if r.notice:
        typer.echo(r.notice, err=True)
    if r.missing_columns:
        typer.echo(f"입력 파일에 없는 열: {', '.join(r.missing_columns)} (해당 항목 없이 판별)", err=True)
    resumed = f", {r.resumed_from} rows resumed from the checkpoint" if r.resumed_from else ""
    typer.echo(f"classified {r.n_rows} rows → {r.output} ({r.engine}, {r.seconds:.1f} s, "
               f"{r.rows_per_second:.1f} rows/s{resumed}): 검토 필요 {r.n_review}, 경고 {r.n_warned}, 오류 {r.n_errors}")


def agreement_cmd(
    out: Path | None = typer.Option(None, "--out", help="also write the table as CSV (UTF-8 with BOM)"),
    db: str | None = typer.Option(None, help="judgment store URL (default: WORKBENCH_DB_URL or data/workbench.sqlite3)"),
    revision: str = typer.Option(DEFAULT_REVISION, help="criteria revision for the theme names"),
    all_judgments: bool = typer.Option(False, "--all", help="every uncorrected judgment instead of the latest "
                                                            "per company"),
) -> None:
    """How often examiners accepted recommendation 1/2/3, chose another item or 해당 없음 — overall and by theme."""
    from workbench.learning import agreement_report, format_report
    from workbench.store import JudgmentStore
    from workbench.taxonomy.loader import load_taxonomy

    with JudgmentStore(db) as store:
        df = agreement_report(store, load_taxonomy(revision), latest_only=not all_judgments)
    typer.echo(format_report(df))
    if out is not None:
        out.parent.mkdir(parents=True, exist_ok=True)
        df.to_csv(out, index=False, encoding="utf-8-sig")
        typer.echo(f"wrote {out}")


def register(app: typer.Typer) -> None:
    """Add ``classify`` and the ``report`` group (``report agreement``) to ``app``."""
    app.command("classify")(classify_cmd)
    report_app = typer.Typer(help="Reports on saved judgments.", no_args_is_help=True)
    report_app.command("agreement")(agreement_cmd)
    app.add_typer(report_app, name="report")


__all__ = ["agreement_cmd", "classify_cmd", "register"]
