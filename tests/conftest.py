"""Expensive fixtures shared by test modules: the synthetic history and one small trained recommender."""
from __future__ import annotations

import pytest

from workbench.analysis import stratified_subset
from workbench.config import SYNTH_DIR
from workbench.recommend.recommender import Recommender
from workbench.schema.ingest import read_records

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
