"""`workbench` command line: taxonomy, data, encoder set-up, training, recommendation, evaluation, batch."""
from __future__ import annotations

from pathlib import Path

import typer

from workbench.config import DEFAULT_REVISION, SYNTH_DIR

app = typer.Typer(help="혁신성장 품목 자동판별 workbench", no_args_is_help=True, add_completion=False)
taxonomy_app = typer.Typer(help="Criteria revisions (테마·분야·품목).", no_args_is_help=True)
data_app = typer.Typer(help="Judgment history data.", no_args_is_help=True)
app.add_typer(taxonomy_app, name="taxonomy")
app.add_typer(data_app, name="data")


@taxonomy_app.command("summary")
def taxonomy_summary() -> None:
    """Themes / fields / items of every revision under taxonomy/."""
    from workbench.taxonomy.loader import load_taxonomy, revision_dirs

    for rev in revision_dirs():
        tax = load_taxonomy(rev)
        s = tax.summary()
        provisional = sum(i.code_status == "provisional" for i in tax.items)
        flag = "  [HYPOTHETICAL]" if tax.hypothetical else ""
        typer.echo(f"revision {rev:<16} {s['themes']} themes / {s['fields']} fields / {s['items']} items"
                   f"  ({provisional} provisional codes){flag}  — {tax.label}")


@taxonomy_app.command("import-reference")
def taxonomy_import_reference() -> None:
    """Rebuild taxonomy/rev6 from taxonomy/source (maintenance; output is committed data)."""
    from workbench.taxonomy.importer import build_rev6

    typer.echo(f"wrote {build_rev6()}")


@data_app.command("synth")
def data_synth(out: Path = typer.Option(SYNTH_DIR, help="output folder"),
               seed: int = typer.Option(20261125, help="random seed (same seed → same files)"),
               n_train: int = typer.Option(10_000), n_test: int = typer.Option(5_000),
               n_excluded: int = typer.Option(300), xlsx: bool = typer.Option(True, help="also write XLSX")) -> None:
    """Write the synthetic judgment history (train / held-out / excluded) as CSV and XLSX."""
    from workbench.synth.generator import write_synthetic

    for path in write_synthetic(out, seed=seed, n_train=n_train, n_test=n_test, n_excluded=n_excluded,
                                xlsx=xlsx, revision=DEFAULT_REVISION):
        typer.echo(f"wrote {path}")


if __name__ == "__main__":
    app()
