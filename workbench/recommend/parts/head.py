"""Logistic head on [standardised sentence vector, one-hot KSIC levels and NST section]."""
from __future__ import annotations

import copy
from pathlib import Path

import numpy as np
from sklearn.preprocessing import StandardScaler

from workbench.heads import LinearHead, load_head, make_head
from workbench.recommend.features import LABELS_KO, StructuredFeatures
from workbench.recommend.parts.base import Batch, Revision, ScorePart, TrainingData
from workbench.taxonomy.model import Taxonomy

UNSEEN_INTERCEPT_GAP = 5.0  # items without training records sit this far below the lowest learned intercept


class HeadPart(ScorePart):
    name = "head"
    grid = (1.0,)

    def fit(self, data: TrainingData, rows: np.ndarray) -> HeadPart:
        recs = [data.records[i] for i in rows]
        self.structured_ = StructuredFeatures().fit(recs)
        self.scaler_ = StandardScaler().fit(data.S[rows])
        X = np.hstack([self.scaler_.transform(data.S[rows]), self.structured_.transform(recs)])
        head = make_head(data.params["head_backend"], C=data.C).fit(X, data.y[rows])
        # every item gets a row, also items without training records (reachable via the other parts)
        n_items = len(data.items)
        coef = np.zeros((n_items, X.shape[1]), np.float32)
        intercept = np.full(n_items, head.intercept_.min() - UNSEEN_INTERCEPT_GAP, np.float32)
        coef[head.classes_], intercept[head.classes_] = head.coef_, head.intercept_
        head.classes_, head.coef_, head.intercept_ = np.arange(n_items), coef, intercept
        self.head_: LinearHead = head
        return self

    def _structured(self, batch: Batch) -> np.ndarray:
        return batch.memo("structured", lambda: self.structured_.transform(batch.records))

    def scores(self, batch: Batch) -> np.ndarray:
        return self.head_.decision_function(np.hstack([self.scaler_.transform(batch.S), self._structured(batch)]))

    def text_direction(self) -> np.ndarray:
        d = len(self.scaler_.scale_)
        return self.head_.coef_[:, :d] / self.scaler_.scale_[None, :].astype(np.float32)

    def code_terms(self, batch: Batch, row: int) -> dict[tuple[str, str], np.ndarray]:
        d, names = len(self.scaler_.scale_), self.structured_.feature_names_
        terms: dict[tuple[str, str], np.ndarray] = {}
        for j in np.flatnonzero(self._structured(batch)[row]):
            key = (_struct_label(names[j]), "ksic_code" if "ksic" in names[j] else "nst_code")
            terms[key] = self.head_.coef_[:, d + j]
        return terms

    def state(self, folder: Path) -> tuple[dict, dict[str, np.ndarray]]:
        self.head_.save(folder / "head.npz")
        return ({"structured_categories": self.structured_.categories_},
                {"scaler_mean": self.scaler_.mean_, "scaler_scale": self.scaler_.scale_})

    @classmethod
    def from_state(cls, state: dict, arrays, folder: Path, items: list[str], taxonomy: Taxonomy) -> HeadPart:
        self = cls()
        self.head_ = load_head(folder / "head.npz")
        self.scaler_ = StandardScaler()
        self.scaler_.mean_, self.scaler_.scale_ = arrays["scaler_mean"], arrays["scaler_scale"]
        self.scaler_.n_features_in_ = len(self.scaler_.mean_)
        self.structured_ = StructuredFeatures.from_categories(state["structured_categories"])
        return self

    def remap(self, revision: Revision) -> HeadPart:
        """Kept codes keep their row; moved/recoded codes take their predecessor's; every target of a split the old
        row (the definition part tells them apart); a merge the mean of its predecessors' rows with log(k) added to
        the intercept (mean logit + log k approximates the log of the summed probabilities); an added code no
        learned row (zero weights, a low intercept, as items without training records at ``fit``)."""
        W, b = self.head_.coef_, self.head_.intercept_
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
        out = HeadPart()
        out.scaler_, out.structured_ = self.scaler_, self.structured_
        out.head_ = _copy_head(self.head_, coef, intercept)
        revision.report["head_rows"] = how
        return out


def _copy_head(head: LinearHead, coef: np.ndarray, intercept: np.ndarray) -> LinearHead:
    out = copy.copy(head)
    out.classes_, out.coef_, out.intercept_ = np.arange(len(coef)), coef, intercept
    return out


def _struct_label(feature_name: str) -> str:
    """'ksic_group_262' → '업종코드 소분류 262'."""
    column = next(c for c in LABELS_KO if feature_name.startswith(c + "_"))
    return f"{LABELS_KO[column]} {feature_name[len(column) + 1:]}"
