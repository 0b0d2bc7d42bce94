"""Expensive fixtures shared by test modules: the synthetic history and one small trained recommender, in memory
and saved once to a folder. Train a model of your own in a test only when the behaviour under test is the training
itself (a setting the shared model does not have, or fitting twice); everything else reads ``fitted`` or
``fitted_dir`` and must not change them."""
from __future__ import annotations

import pytest

from workbench.config import SYNTH_DIR
from workbench.recommend.recommender import Recommender
from workbench.schema.ingest import read_records
from workbench.schema.training import stratified_subset

PER_ITEM = 8


@pytest.fixture(scope="session")
def history():
    """(8 training records per item, the first 300 held-out records) of the synthetic history."""
    train = read_records(SYNTH_DIR / "synthetic_train.csv", require_label=True).records
    test = read_records(SYNTH_DIR / "synthetic_test.csv", require_label=True).records
    return stratified_subset(train, PER_ITEM), test[:300]


@pytest.fixture(scope="session")
def fitted(history):
    """The production path (e5, encoder tuning, every part), small: 1,920 records, 0.05 tuning epochs."""
    train, _ = history
    return Recommender(encoder="e5", head_backend="sklearn", tune_epochs=0.05).fit(train)


@pytest.fixture(scope="session")
def fitted_dir(fitted, tmp_path_factory):
    """``fitted`` saved once (with its tuned encoder's folder), for tests that load a model from disk: batch
    classification, its Dask workers, reloading. Read it; do not write into it."""
    return fitted.save(tmp_path_factory.mktemp("fitted") / fitted.model_id_)
