"""Execute the analyst and maintainer notebooks top to bottom (small mode) and check what they produce.

Both run in CI: ``WORKBENCH_NB_SMALL=1`` trains the small `use` model once (cached under embeddings/analysis and
shared with test_taxonomy_diff / test_shap_audit), outputs go to a temporary folder and saved judgments come
from a temporary SQLite store seeded with a few judgments of changed items.
"""
from __future__ import annotations

import json
import re
import uuid
from datetime import date
from pathlib import Path

import nbformat
import pandas as pd
import pytest
from nbclient import NotebookClient

from workbench.analysis import RunConfig
from workbench.store import JudgmentStore, NewJudgment

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"
CELL_TIMEOUT = 600


@pytest.fixture
def notebook_env(tmp_path, monkeypatch):
    db = f"sqlite:///{tmp_path / 'judgments.sqlite3'}"
    with JudgmentStore(db) as store:
        for code, name in (("A10005", "메타버스"), ("B20002", "독립형 의료기기 소프트웨어"), ("A10001", None)):
            store.save(NewJudgment(
                examiner="김심사", idempotency_key=uuid.uuid4().hex, company_name=f"(주)테스트 {code}",
                business_reg_no="1234567890", ceo_name="홍길동", base_date=date(2026, 1, 5),
                main_product="AI 기반 의료영상 판독 소프트웨어", product_use="흉부 X선 판독 보조",
                decision_type="other", final_item_code=code, final_item_name=name, taxonomy_revision="6",
                model_id="m", encoder_id="e", model_version="1", app_version="1"))
    monkeypatch.setenv("WORKBENCH_NB_SMALL", "1")
    monkeypatch.setenv("WORKBENCH_NB_OUT", str(tmp_path / "out"))
    monkeypatch.setenv("WORKBENCH_DB_URL", db)
    monkeypatch.delenv("WORKBENCH_NB_MODEL", raising=False)
    return tmp_path


def execute(name: str) -> nbformat.NotebookNode:
    """Run the notebook; its time is in pytest's --durations list (make test prints the slowest), not asserted."""
    nb = nbformat.read(NOTEBOOKS / name, as_version=4)
    NotebookClient(nb, timeout=CELL_TIMEOUT, kernel_name="python3",
                   resources={"metadata": {"path": str(NOTEBOOKS)}}).execute()  # raises on any cell error
    return nb


def outputs_text(nb) -> str:
    parts = []
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            parts.append(out.get("text", ""))
            parts += [str(v) for k, v in out.get("data", {}).items() if k in ("text/plain", "text/html")]
    return "\n".join(parts)


def test_misclassification_explorer_runs(notebook_env):
    nb = execute("misclassification_explorer.ipynb")
    text = outputs_text(nb)
    assert "top1_accuracy" in text and "SHAP" in text
    small = RunConfig.small()  # the small run, not the full 5,000-record evaluation
    assert re.search(rf"n_test\s+{small.n_test}\b", text) and re.search(rf"encoder\s+{small.encoder}", text), text[:2000]
    assert not any(out.get("output_type") == "error" for c in nb.cells for out in c.get("outputs", []))
    kinds = {k for c in nb.cells for out in c.get("outputs", []) for k in out.get("data", {})}
    assert "application/vnd.holoviews_load.v0+json" in kinds or "application/vnd.holoviews_exec.v0+json" in kinds


def test_taxonomy_maintenance_runs(notebook_env):
    nb = execute("taxonomy_maintenance.ipynb")
    out = notebook_env / "out"
    (model_dir,) = [p for p in (out / "models").iterdir() if p.is_dir()]
    assert model_dir.name.endswith("rev7-hypothetical")
    manifest = json.loads((model_dir / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["encoder"] == RunConfig.small().encoder  # carried over from the small analysis model
    review = out / "review"
    mapping = pd.read_csv(review / "mapping_6_to_7-hypothetical.csv", dtype=str, keep_default_na=False)
    assert {"B20002", "A10005", "A10002"} <= set(mapping.old_code)
    judgments = pd.read_csv(review / "affected_judgments_7-hypothetical.csv", dtype=str, keep_default_na=False)
    assert sorted(judgments.old_code) == ["A10005", "B20002"]
    assert judgments.set_index("old_code").loc["B20002", "proposed_code"] in {"B20021", "B20022"}
    train = pd.read_csv(review / "affected_training_records_7-hypothetical.csv", dtype=str, keep_default_na=False)
    assert len(train) > 0 and "split" in set(train.kind)
    assert "top1_accuracy" in outputs_text(nb)
