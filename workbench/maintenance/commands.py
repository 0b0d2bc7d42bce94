"""`workbench taxonomy diff`, `reembed` and `import-codes` (registered on the CLI's taxonomy sub-app).

Wire-up in ``workbench/cli.py``::

    from workbench.maintenance.commands import register as register_taxonomy_commands
    register_taxonomy_commands(taxonomy_app)
"""
from __future__ import annotations

import json
from pathlib import Path

import typer

from workbench.config import DEFAULT_ENCODER, DEFAULT_REVISION, EMBEDDINGS_DIR, MODELS_DIR, TAXONOMY_DIR

# Models carried over to a HYPOTHETICAL revision go here by default, never under embeddings/models: the examiner
# app serves the newest model of that folder and must not switch to a test fixture's criteria.
HYPOTHETICAL_MODELS_DIR = EMBEDDINGS_DIR / "models-hypothetical"


def diff_command(old: str = typer.Argument(..., help="old revision id, e.g. 6"),
                 new: str = typer.Argument(..., help="new revision id, e.g. 7-hypothetical"),
                 mapping_csv: Path | None = typer.Option(None, "--mapping-csv",
                                                         help="also write the proposed old→new mapping here"),
                 records: Path | None = typer.Option(None, "--records",
                                                     help="judged records (CSV/XLSX): list those whose item changed"),
                 affected_csv: Path | None = typer.Option(None, "--affected-csv",
                                                          help="write the affected records here (with --records)")
                 ) -> None:
    """What changed between two criteria revisions, and the proposed old → new code mapping."""
    from workbench.taxonomy.diff import affected_records, diff_revisions, proposed_mapping
    from workbench.taxonomy.loader import load_taxonomy

    try:
        t_old, t_new = load_taxonomy(old), load_taxonomy(new)
    except KeyError as exc:
        raise typer.BadParameter(str(exc.args[0])) from None
    diff = diff_revisions(t_old, t_new)
    typer.echo(diff.summary())
    for line in diff.lines():
        typer.echo(line)
    for kind in ("fields", "themes"):
        for what in ("added", "removed", "renamed"):
            codes = getattr(diff, f"{kind}_{what}")
            if codes:
                typer.echo(f"- {kind} {what}: {', '.join(codes)}")
    mapping = proposed_mapping(diff)
    if mapping_csv:
        mapping.to_csv(mapping_csv, index=False, encoding="utf-8-sig")
        typer.echo(f"wrote {mapping_csv} ({len(mapping)} rows; {int(mapping.needs_review.sum())} need review)")
    if records:
        from workbench.schema.ingest import read_labelled

        affected = affected_records(diff, read_labelled(records))
        typer.echo(f"{len(affected)} record(s) point to removed or changed items "
                   f"({int(affected.needs_review.sum())} need a per-record choice)")
        if affected_csv:
            affected.to_csv(affected_csv, index=False, encoding="utf-8-sig")
            typer.echo(f"wrote {affected_csv}")


def reembed_command(new: str = typer.Argument(..., help="new revision id, e.g. 7-hypothetical"),
                    model: Path | None = typer.Option(None, "--model",
                                                      help="model folder (default: newest of --encoder)"),
                    encoder: str = typer.Option(DEFAULT_ENCODER, "--encoder",
                                                help="encoder name of the model (e5 or use)"),
                    out: Path | None = typer.Option(None, "--out", help="parent folder of the new model "
                                                    "(default: embeddings/models, or embeddings/models-hypothetical "
                                                    "for a hypothetical revision)")) -> None:
    """Carry a trained model over to revision NEW as a new versioned model folder (old one kept).

    Only new or changed item definitions are re-encoded; the head and neighbours are remapped.
    """
    from workbench.maintenance.reembed import REPORT_FILE, reembed_revision
    from workbench.recommend.recommender import Recommender
    from workbench.recommend.service import latest_model_dir
    from workbench.taxonomy.loader import load_taxonomy

    try:
        t_new = load_taxonomy(new)
    except KeyError as exc:
        raise typer.BadParameter(str(exc.args[0])) from None
    path = model or latest_model_dir(encoder=encoder)
    if path is None:
        raise typer.BadParameter(f"no trained {encoder} model under {MODELS_DIR}; pass --model or run `workbench train`")
    rec = Recommender.load(path)
    if rec.encoder != encoder:
        raise typer.BadParameter(f"{path} was trained with encoder {rec.encoder!r}, not {encoder!r}")
    if rec.revision == t_new.revision:
        raise typer.BadParameter(f"{path} is already a model of revision {new}")
    parent = out or (HYPOTHETICAL_MODELS_DIR if t_new.hypothetical else MODELS_DIR)
    folder = reembed_revision(rec, t_new, parent)
    report = json.loads((folder / REPORT_FILE).read_text(encoding="utf-8"))
    typer.echo(f"{rec.model_id_} (revision {rec.revision}) → {report['new_model_id']} (revision {t_new.revision})")
    typer.echo(f"re-encoded {len(report['encoded_codes'])} definition(s): {', '.join(report['encoded_codes'])}; "
               f"reused {len(report['reused_codes'])}")
    typer.echo(f"training rows relabelled {report['train_rows_relabelled']}, dropped {report['train_rows_dropped']}")
    typer.echo(f"wrote {folder}")


def import_codes_command(table: Path = typer.Argument(..., help="official code table (CSV/XLSX): 품목명, 품목코드 "
                                                          "[, 테마코드, 테마명, 분야코드, 분야명]"),
                         revision: str = typer.Option(DEFAULT_REVISION, "--revision", help="revision id, e.g. 6"),
                         dry_run: bool = typer.Option(False, "--dry-run", help="report only, write nothing"),
                         taxonomy_dir: Path = typer.Option(TAXONOMY_DIR, "--taxonomy-dir",
                                                           help="folder of the revisions (default: taxonomy/)")) -> None:
    """Replace provisional codes of a revision by the official ones, matching items by name (data only).

    Exits with 1 and writes nothing when a name matches no item or codes clash; the report names each case.
    """
    from workbench.maintenance.official import import_codes

    try:
        report = import_codes(table, revision, taxonomy_dir, dry_run=dry_run)
    except (KeyError, ValueError) as exc:  # unknown revision, unreadable table, missing columns
        typer.echo(str(exc.args[0] if isinstance(exc, KeyError) else exc), err=True)
        raise typer.Exit(2) from None
    for line in report.lines():
        typer.echo(line)
    if dry_run and report.ok:
        typer.echo("--dry-run: 아무것도 쓰지 않았습니다.")
    if not report.ok:
        raise typer.Exit(1)


def register(taxonomy_app: typer.Typer) -> None:
    """Add ``diff``, ``reembed`` and ``import-codes`` to the ``workbench taxonomy`` sub-app."""
    taxonomy_app.command("diff")(diff_command)
    taxonomy_app.command("reembed")(reembed_command)
    taxonomy_app.command("import-codes")(import_codes_command)


__all__ = ["HYPOTHETICAL_MODELS_DIR", "diff_command", "import_codes_command", "reembed_command",
           "register"]
