"""CLI commands of document intake: ``workbench intake FILE`` and ``workbench intake-bench``."""
from __future__ import annotations

import json
from pathlib import Path

import typer

from workbench.config import REPORTS_DIR, SYNTH_DIR


def intake_cmd(file: Path = typer.Argument(..., help="사업계획서·기술설명서 (PDF, DOCX, HWP, HWPX)"),
               as_json: bool = typer.Option(False, "--json", help="print the proposal as JSON")) -> None:
    """Propose 주요제품, 제품용도, 기술사업명 (and 업종코드/업종명, 기술분류 when stated) from a document, with sources."""
    from workbench.intake.errors import IntakeError
    from workbench.intake.propose import propose

    try:
        proposal = propose(file)
    except (IntakeError, FileNotFoundError) as exc:
        typer.echo(getattr(exc, "message_ko", f"파일을 찾을 수 없습니다: {file}"), err=True)
        raise typer.Exit(2) from None
    if as_json:
        typer.echo(json.dumps(proposal.to_dict(), ensure_ascii=False, indent=1))
        return
    data = proposal.to_dict()
    typer.echo(f"{data['name']} ({data['format']}{', ' + str(data['pages']) + '쪽' if data['pages'] else ''})")
    if not data["fields"]:
        typer.echo("  제안할 항목을 찾지 못했습니다.")
    for f in data["fields"].values():
        typer.echo(f"  {f['label']}: {f['value']}")
        for s in f["sources"]:
            typer.echo(f"    ← [{s['where']}] {s['text'][:120]}")


def intake_bench_cmd(n: int = typer.Option(200, help="held-out records (one document per format each)"),
                     data: Path = typer.Option(SYNTH_DIR / "synthetic_test.csv", help="held-out records with items"),
                     model: Path | None = typer.Option(None, help="trained model (default: newest)"),
                     timed: int = typer.Option(20, help="20-page PDFs timed"),
                     wording: str = typer.Option("house", help="house: the generator's wording; unseen: headings and "
                                                 "sentences the proposal rules were not written for; brochure: an IR "
                                                 "deck's sections and wording (history, customers, funding …)"),
                     out: Path | None = typer.Option(None, help="default: reports/intake_bench.json "
                                                     "(intake_bench_WORDING.json for another wording)")) -> None:
    """Generate documents from held-out records, propose fields, compare their classification with typed fields."""
    from workbench.intake.bench import format_report, run_intake_bench, write_report
    from workbench.intake.testdocs.write import WORDINGS
    from workbench.recommend.recommender import Recommender
    from workbench.recommend.service import get_recommender
    from workbench.schema.ingest import read_records

    if wording not in WORDINGS:
        raise typer.BadParameter(f"one of: {', '.join(WORDINGS)}", param_hint="--wording")
    out = out or REPORTS_DIR / ("intake_bench.json" if wording == "house" else f"intake_bench_{wording}.json")

    result = read_records(data, require_label=True)
    result.raise_for_errors()
    records = result.records[:n]
    report = run_intake_bench(Recommender.load(model) if model else get_recommender(), records, timed=timed,
                              wording=wording, log=typer.echo)
    typer.echo(format_report(report))
    typer.echo(f"wrote {write_report(report, out)}")


def register(app: typer.Typer) -> None:
    """Add ``intake`` and ``intake-bench`` to ``app``."""
    app.command("intake")(intake_cmd)
    app.command("intake-bench")(intake_bench_cmd)
