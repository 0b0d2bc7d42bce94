"""Code profiles as a score part (``recommend/codes.py``): log p(code | item) / p(code) of the record's 5-digit
KSIC code and NST section."""
from __future__ import annotations

from pathlib import Path

import numpy as np

from workbench.recommend.codes import LABELS_KO, SOURCE_FIELD, CodeProfiles
from workbench.recommend.parts.base import Batch, Revision, ScorePart, TrainingData
from workbench.taxonomy.model import Taxonomy


class CodesPart(ScorePart):
    name = "codes"

    def fit(self, data: TrainingData, rows: np.ndarray) -> CodesPart:
        self.profiles_ = CodeProfiles().fit([data.records[i] for i in rows], data.y[rows], data.taxonomy, data.items)
        return self

    def scores(self, batch: Batch) -> np.ndarray:
        return self.profiles_.transform(batch.records)

    def code_terms(self, batch: Batch, row: int) -> dict[tuple[str, str], np.ndarray]:
        return {(f"{LABELS_KO[field]} {value}", SOURCE_FIELD[field]): self.profiles_.log_ratio_[field][:, j]
                for field, value, j in self.profiles_.columns(batch.records[row])}

    def state(self, folder: Path) -> tuple[dict, dict[str, np.ndarray]]:
        return self.profiles_.to_state()

    @classmethod
    def from_state(cls, state: dict | None, arrays, folder: Path, items: list[str], taxonomy: Taxonomy) -> CodesPart:
        self = cls()
        if state is None:  # saved before code profiles: an empty profile scores 0 everywhere (its weight is 0)
            self.profiles_ = CodeProfiles(link_weight=0.0).fit([], np.zeros(0, int), taxonomy, items)
        else:
            self.profiles_ = CodeProfiles.from_state(state, arrays)
        return self

    def remap(self, revision: Revision) -> CodesPart:
        """Each new item sums its source items' judged counts and takes its KSIC links from the new revision."""
        out = CodesPart()
        out.profiles_ = self.profiles_.remap(revision.sources(), revision.new, revision.new_items)
        return out
