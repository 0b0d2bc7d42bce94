"""Cosine similarity of the sentence vector to each item's definition vector (the normalised mean of its
definition segments, ``passage:`` prompt). Needs no judged record: it keeps new and rare items reachable."""
from __future__ import annotations

from pathlib import Path

import numpy as np

from workbench.encoders.base import encode_definitions
from workbench.recommend.parts.base import Batch, Revision, ScorePart, TrainingData
from workbench.taxonomy.model import Taxonomy


class DefinitionPart(ScorePart):
    name = "definition"
    supervised = False
    grid = (5.0, 10.0, 20.0, 40.0)  # never 0: the definitions keep new and rare items reachable

    def fit(self, data: TrainingData, rows: np.ndarray) -> DefinitionPart:
        self.vectors_ = encode_definitions(data.encoder, [it.definition_segments for it in data.taxonomy.items])
        return self

    def scores(self, batch: Batch) -> np.ndarray:
        return batch.S @ self.vectors_.T

    def text_direction(self, profile: str) -> np.ndarray:
        return self.vectors_

    def state(self, folder: Path) -> tuple[dict, dict[str, np.ndarray]]:
        return {}, {"definition_vectors": self.vectors_}

    @classmethod
    def from_state(cls, state: dict, arrays, folder: Path, items: list[str], taxonomy: Taxonomy) -> DefinitionPart:
        self = cls()
        self.vectors_ = arrays["definition_vectors"]
        return self

    def remap(self, revision: Revision) -> DefinitionPart:
        """Items whose definition text is new or changed are encoded; every other item reuses the vector of its
        own code or of a predecessor with the identical text (e.g. a moved item)."""
        old_index = {c: i for i, c in enumerate(revision.old_items)}
        D = np.zeros((len(revision.new_items), self.vectors_.shape[1]), np.float32)
        to_encode, reused = [], []
        for j, (item, rows) in enumerate(zip(revision.new.items, revision.sources())):
            own = [old_index[item.code]] if item.code in old_index else []
            same = [i for i in own + rows
                    if revision.old.item(revision.old_items[i]).definition_text == item.definition_text]
            if same:
                D[j] = self.vectors_[same[0]]
                reused.append(item.code)
            else:
                to_encode.append(j)
        if to_encode:
            D[to_encode] = encode_definitions(revision.encoder, [revision.new.items[j].definition_segments
                                                                 for j in to_encode])
        out = DefinitionPart()
        out.vectors_ = D
        revision.report.update(encoded_codes=[revision.new_items[j] for j in to_encode], reused_codes=reused)
        return out
