"""Lexical definition similarity as a score part (``recommend/lexical.py``): character n-gram TF-IDF cosine of
the record's 주요제품/제품용도/기술사업명 to each item's definition text, with an exact per-word decomposition."""
from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from workbench.recommend.lexical import LexicalDefinitions, lexical_text
from workbench.recommend.parts.base import Batch, Revision, ScorePart, TrainingData
from workbench.taxonomy.model import Taxonomy

if TYPE_CHECKING:
    from workbench.explain.keywords import Word


class LexicalPart(ScorePart):
    name = "lexical"
    supervised = False  # vocabulary and IDF over every training text, no labels

    def fit(self, data: TrainingData, rows: np.ndarray) -> LexicalPart:
        self.lexical_ = LexicalDefinitions().fit([it.definition_text for it in data.taxonomy.items],
                                                 [lexical_text(r) for r in data.records])
        return self

    def _analyzed(self, batch: Batch) -> list[tuple[str, tuple]]:
        """(lexical text, its analysis) per record, once per batch."""
        return batch.memo("lexical", lambda: [(t, self.lexical_.analyze(t))
                                              for t in (lexical_text(r) for r in batch.records)])

    def scores(self, batch: Batch) -> np.ndarray:
        return self.lexical_.scores([a for _, a in self._analyzed(batch)])

    def word_terms(self, batch: Batch, row: int, text: str, words: Sequence[Word],
                   directions: np.ndarray) -> np.ndarray:
        """The lexical text is a prefix of the composed text, so character offsets are shared."""
        lex_text, analyzed = self._analyzed(batch)[row]
        chars = self.lexical_.char_contributions(lex_text, directions, analyzed)
        cum = np.concatenate([np.zeros((len(directions), 1)), np.cumsum(chars, axis=1)], axis=1)
        n = chars.shape[1]
        starts = np.minimum([w.start for w in words], n).astype(int)
        ends = np.minimum([w.end for w in words], n).astype(int)
        return (cum[:, ends] - cum[:, starts]).T if len(words) else np.zeros((0, len(directions)))

    def state(self, folder: Path) -> tuple[dict, dict[str, np.ndarray]]:
        return self.lexical_.to_state()

    @classmethod
    def from_state(cls, state: dict | None, arrays, folder: Path, items: list[str], taxonomy: Taxonomy) -> LexicalPart:
        self = cls()
        # saved before the lexical part: it scores 0 everywhere (and its fusion weight is 0)
        self.lexical_ = (LexicalDefinitions.empty(len(items)) if state is None
                         else LexicalDefinitions.from_state(state, arrays))
        return self

    def remap(self, revision: Revision) -> LexicalPart:
        """Same vocabulary and IDF; the definitions' rows from the new revision's texts."""
        out = LexicalPart()
        out.lexical_ = self.lexical_.with_definitions([it.definition_text for it in revision.new.items])
        return out
