"""Logistic head on [standardised sentence vector, one-hot KSIC levels and NST section].

Records of the ``short`` evidence profile (주요제품/업종명 only, what a listing publishes) are scored by a second
head, ``short_head_``, on the same features, fitted on the judged records beside the same records as a listing
shows them (:func:`~workbench.recommend.profiles.profile_view`). The main head learned its weights from texts of
several sentences and would score a product list with them; the second one learned from both. Measured on real
listed companies (docs/recommender.md): hit@1 +2 points in cross-validation, hit@3 unchanged; records with
제품용도 or 기술사업명 keep the main head, so the synthetic figures are those of the main head.
"""
from __future__ import annotations

import copy
from pathlib import Path

import numpy as np
from sklearn.preprocessing import StandardScaler

from workbench.heads import LinearHead, load_head, make_head
from workbench.recommend.features import LABELS_KO, StructuredFeatures
from workbench.recommend.parts.base import Batch, Revision, ScorePart, TrainingData
from workbench.recommend.profiles import evidence_profile, profile_view
from workbench.recommend.text import compose
from workbench.schema.record import CompanyRecord
from workbench.taxonomy.model import Taxonomy

UNSEEN_INTERCEPT_GAP = 5.0  # items without training records sit this far below the lowest learned intercept
SHORT_HEAD_FILE = "head_short.npz"


def listing_texts(records: list[CompanyRecord]) -> list[str]:
    """The texts of ``records`` as a listing shows them, which the short head is fitted on beside the records."""
    return [compose(profile_view(r, "short")).text for r in records]


class HeadPart(ScorePart):
    name = "head"
    grid = (1.0,)

    def fit(self, data: TrainingData, rows: np.ndarray) -> HeadPart:
        recs = [data.records[i] for i in rows]
        self.structured_ = StructuredFeatures().fit(recs)
        self.scaler_ = StandardScaler().fit(data.S[rows])
        X = self._features(data.S[rows], self.structured_.transform(recs))
        self.head_: LinearHead = _fit_head(data, X, data.y[rows])
        self.short_head_: LinearHead | None = None
        if "short" in data.profiles:
            X_short = self._features(data.encoder.encode(listing_texts(recs), kind="query"),
                                     self.structured_.transform([profile_view(r, "short") for r in recs]))
            self.short_head_ = _fit_head(data, np.vstack([X, X_short]), np.concatenate([data.y[rows], data.y[rows]]))
        return self

    def _features(self, S: np.ndarray, structured: np.ndarray) -> np.ndarray:
        return np.hstack([self.scaler_.transform(S), structured])

    def _structured(self, batch: Batch) -> np.ndarray:
        return batch.memo("structured", lambda: self.structured_.transform(batch.records))

    def _short_rows(self, batch: Batch) -> np.ndarray:
        """Rows scored by the short head (none for a model saved without one)."""
        if self.short_head_ is None:
            return np.zeros(len(batch.records), bool)
        return batch.memo("short_rows", lambda: np.array([evidence_profile(r) == "short" for r in batch.records],
                                                         bool))

    def _head(self, short: bool) -> LinearHead:
        return self.short_head_ if short and self.short_head_ is not None else self.head_

    def scores(self, batch: Batch) -> np.ndarray:
        X = self._features(batch.S, self._structured(batch))
        z = self.head_.decision_function(X)
        short = self._short_rows(batch)
        if short.any():
            z[short] = self.short_head_.decision_function(X[short])
        return z

    def text_direction(self, profile: str) -> np.ndarray:
        d = len(self.scaler_.scale_)
        return self._head(profile == "short").coef_[:, :d] / self.scaler_.scale_[None, :].astype(np.float32)

    def code_terms(self, batch: Batch, row: int) -> dict[tuple[str, str], np.ndarray]:
        d, names = len(self.scaler_.scale_), self.structured_.feature_names_
        coef = self._head(bool(self._short_rows(batch)[row])).coef_
        terms: dict[tuple[str, str], np.ndarray] = {}
        for j in np.flatnonzero(self._structured(batch)[row]):
            key = (_struct_label(names[j]), "ksic_code" if "ksic" in names[j] else "nst_code")
            terms[key] = coef[:, d + j]
        return terms

    def state(self, folder: Path) -> tuple[dict, dict[str, np.ndarray]]:
        self.head_.save(folder / "head.npz")
        if self.short_head_ is not None:
            self.short_head_.save(folder / SHORT_HEAD_FILE)
        return ({"structured_categories": self.structured_.categories_,
                 "short_head": SHORT_HEAD_FILE if self.short_head_ is not None else None},
                {"scaler_mean": self.scaler_.mean_, "scaler_scale": self.scaler_.scale_})

    @classmethod
    def from_state(cls, state: dict, arrays, folder: Path, items: list[str], taxonomy: Taxonomy) -> HeadPart:
        self = cls()
        self.head_ = load_head(folder / "head.npz")
        short = state.get("short_head")  # None: saved before the short head (format ≤ 6); the main head scores all
        self.short_head_ = load_head(folder / short) if short else None
        self.scaler_ = StandardScaler()
        self.scaler_.mean_, self.scaler_.scale_ = arrays["scaler_mean"], arrays["scaler_scale"]
        self.scaler_.n_features_in_ = len(self.scaler_.mean_)
        self.structured_ = StructuredFeatures.from_categories(state["structured_categories"])
        return self

    def remap(self, revision: Revision) -> HeadPart:
        """Each head carried over by :func:`_remapped_head` (the main head's report goes to ``head_rows``)."""
        out = HeadPart()
        out.scaler_, out.structured_ = self.scaler_, self.structured_
        out.head_, revision.report["head_rows"] = _remapped_head(self.head_, revision)
        out.short_head_ = _remapped_head(self.short_head_, revision)[0] if self.short_head_ is not None else None
        return out


def _fit_head(data: TrainingData, X: np.ndarray, y: np.ndarray) -> LinearHead:
    """A head fitted on (X, y) with a row for every item, also items without training records (reachable via the
    other parts: zero weights, an intercept below the lowest learned one)."""
    head = make_head(data.params["head_backend"], C=data.C).fit(X, y)
    n_items = len(data.items)
    coef = np.zeros((n_items, X.shape[1]), np.float32)
    intercept = np.full(n_items, head.intercept_.min() - UNSEEN_INTERCEPT_GAP, np.float32)
    coef[head.classes_], intercept[head.classes_] = head.coef_, head.intercept_
    head.classes_, head.coef_, head.intercept_ = np.arange(n_items), coef, intercept
    return head


def _remapped_head(head: LinearHead, revision: Revision) -> tuple[LinearHead, dict[str, list[str]]]:
    """Kept codes keep their row; moved/recoded codes take their predecessor's; every target of a split the old
    row (the definition part tells them apart); a merge the mean of its predecessors' rows with log(k) added to
    the intercept (mean logit + log k approximates the log of the summed probabilities); an added code no
    learned row (zero weights, a low intercept, as items without training records at ``fit``)."""
    W, b = head.coef_, head.intercept_
    learned = np.flatnonzero(np.abs(W).sum(axis=1) > 0)
    new_items = revision.new_items
    coef = np.zeros((len(new_items), W.shape[1]), np.float32)
    intercept = np.full(len(new_items), float((b[learned] if len(learned) else b).min() - UNSEEN_INTERCEPT_GAP),
                        np.float32)
    how: dict[str, list[str]] = {"kept": [], "inherited": [], "split_shared": [], "merged_mean": [], "new_unseen": []}
    kind_of = revision.diff.kind_of()
    for j, (code, rows) in enumerate(zip(new_items, revision.sources())):
        if not rows:
            how["new_unseen"].append(code)
            continue
        coef[j] = W[rows].mean(axis=0)
        intercept[j] = b[rows].mean() + np.log(len(rows))
        source = revision.old_items[rows[0]]
        if len(rows) > 1:
            how["merged_mean"].append(code)
        elif kind_of.get(source) == "split":
            how["split_shared"].append(code)
        else:
            how["kept" if source == code else "inherited"].append(code)
    return _copy_head(head, coef, intercept), how


def _copy_head(head: LinearHead, coef: np.ndarray, intercept: np.ndarray) -> LinearHead:
    out = copy.copy(head)
    out.classes_, out.coef_, out.intercept_ = np.arange(len(coef)), coef, intercept
    return out


def _struct_label(feature_name: str) -> str:
    """'ksic_group_262' → '업종코드 소분류 262'."""
    column = next(c for c in LABELS_KO if feature_name.startswith(c + "_"))
    return f"{LABELS_KO[column]} {feature_name[len(column) + 1:]}"
