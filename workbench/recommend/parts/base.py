"""The score-part interface: each part turns a record into one score per item, and the fusion weighs the parts by
the same names (``recommend/scoring.py``).

A part is a small scikit-learn style estimator: ``__init__`` stores settings, :meth:`ScorePart.fit` learns
``*_`` attributes and returns self. Beside its scores it may say how those scores split over the record's
evidence, for keyword attributions (``recommend/presenter.py``) and the SHAP audit:

- :meth:`ScorePart.text_direction` — a part linear in the unit sentence vector s gives its (n_items, dim)
  weights; the attributor splits them over the words exactly (head, definitions);
- :meth:`ScorePart.word_terms` — a part with its own decomposition over the characters of the text gives each
  word's term (lexical);
- :meth:`ScorePart.code_terms` — terms of the structured codes, shown as pseudo-keywords (head, code profiles).

``state``/``from_state`` save and load it; ``remap`` carries it over to a new criteria revision (:class:`Revision`).
"""
from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np

from workbench.encoders import Encoder
from workbench.recommend.profiles import PROFILES
from workbench.schema.record import CompanyRecord
from workbench.taxonomy.diff import RevisionDiff
from workbench.taxonomy.model import Taxonomy

if TYPE_CHECKING:
    from workbench.explain.keywords import Word


@dataclass
class TrainingData:
    """What parts learn from: judged records, their sentence vectors and labels (indices into ``items``)."""

    records: list[CompanyRecord]
    S: np.ndarray
    y: np.ndarray
    items: list[str]
    taxonomy: Taxonomy
    encoder: Encoder
    params: dict[str, Any]  # the recommender's settings (``get_params``)
    C: float = 1.0  # the head's regularisation being tried
    profiles: tuple[str, ...] = PROFILES  # the evidence profiles the fitted parts will score


@dataclass
class Batch:
    """Records being scored and their sentence vectors; ``memo`` keeps work that several parts or the presenter
    share (one neighbour query, one lexical analysis per text)."""

    records: list[CompanyRecord]
    S: np.ndarray
    cache: dict[str, Any] = field(default_factory=dict)

    def memo(self, key: str, compute: Callable[[], Any]) -> Any:
        if key not in self.cache:
            self.cache[key] = compute()
        return self.cache[key]


@dataclass
class Revision:
    """A criteria revision a fitted model is carried over to: the diff, the new item order and, per new item,
    the old item rows it inherits from ([] for an added item). ``part(name)`` gives a part already carried over
    (a part may need another's, e.g. neighbours split by the new definition vectors); ``report`` collects what
    each part did."""

    old: Taxonomy
    new: Taxonomy
    diff: RevisionDiff
    old_items: list[str]
    encoder: Encoder
    parts: dict[str, ScorePart]
    report: dict[str, Any] = field(default_factory=dict)
    remapped: dict[str, ScorePart] = field(default_factory=dict)

    @property
    def new_items(self) -> list[str]:
        return list(self.new.item_codes)

    def sources(self) -> list[list[int]]:
        """Per new item, the old rows it inherits from, in the diff's order."""
        old_index = {c: i for i, c in enumerate(self.old_items)}
        inherits: dict[str, list[str]] = {}
        for old, news in self.diff.successors().items():
            for n in news:
                inherits.setdefault(n, []).append(old)
        return [[old_index[o] for o in inherits.get(code, []) if o in old_index] for code in self.new_items]

    def part(self, name: str) -> ScorePart:
        if name not in self.remapped:
            self.remapped[name] = self.parts[name].remap(self)
        return self.remapped[name]


class ScorePart(ABC):
    """One piece of evidence: ``scores`` (n, n_items) in the recommender's item order."""

    name: ClassVar[str]
    supervised: ClassVar[bool] = True  # learns from judged labels: refitted for each validation split
    # text parts: fusion weights tried on validation; None: the part is calibrated alone and weighed by Bayes' rule
    grid: ClassVar[tuple[float, ...] | None] = None
    prefer_low: ClassVar[bool] = False  # among tied text weightings, the lowest weight of this part wins

    @abstractmethod
    def fit(self, data: TrainingData, rows: np.ndarray) -> ScorePart:
        """Learn from the records ``rows`` of ``data`` (unsupervised parts may read every record)."""

    @abstractmethod
    def scores(self, batch: Batch) -> np.ndarray:
        """(n, n_items) scores of the batch's records."""

    def text_direction(self, profile: str) -> np.ndarray | None:
        """(n_items, dim) weights of the part of the scores that is linear in the unit sentence vector, for
        records of evidence ``profile`` (``recommend/profiles.py``)."""
        return None

    def word_terms(self, batch: Batch, row: int, text: str, words: Sequence[Word],
                   directions: np.ndarray) -> np.ndarray | None:
        """(n_words, k): each word's exact term of ``directions`` (k, n_items) @ scores of record ``row``,
        beyond ``text_direction``; ``text`` is the composed text the word spans refer to."""
        return None

    def code_terms(self, batch: Batch, row: int) -> dict[tuple[str, str], np.ndarray]:
        """(label, field) → (n_items,) term of each structured code of record ``row`` in the scores."""
        return {}

    @abstractmethod
    def state(self, folder: Path) -> tuple[dict, dict[str, np.ndarray]]:
        """(JSON settings, arrays) to save; the array names are unique across parts. A part may write its own
        files into ``folder``."""

    @classmethod
    @abstractmethod
    def from_state(cls, state: dict, arrays, folder: Path, items: list[str], taxonomy: Taxonomy) -> ScorePart:
        """The part saved by :meth:`state` (``state`` is None for a model saved before the part existed)."""

    @abstractmethod
    def remap(self, revision: Revision) -> ScorePart:
        """The part for ``revision.new_items``, without refitting."""
