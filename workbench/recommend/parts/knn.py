"""Neighbour votes: log of the similarity-weighted vote shares of the k nearest judged records (hnswlib). The
part also keeps each indexed record's metadata, shown as precedents (유사 판정 사례)."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from workbench.index import HnswIndex
from workbench.recommend.parts.base import Batch, Revision, ScorePart, TrainingData
from workbench.taxonomy.model import Taxonomy

KNN_TEMPERATURE = 0.05
KNN_FLOOR = 1e-3
N_NEIGHBOURS = 50  # one query per batch serves the votes (first k) and the precedents (all)
META_FILE = "train_meta.json"


class KnnPart(ScorePart):
    name = "knn"
    grid = (0.0, 0.25, 0.5, 1.0, 2.0)
    prefer_low = True  # neighbour votes gain most from near-duplicate phrasing: validation over-rates them

    def fit(self, data: TrainingData, rows: np.ndarray) -> KnnPart:
        self.k_ = int(data.params["knn_k"])
        self.index_ = HnswIndex().fit(data.S[rows], [str(int(v)) for v in data.y[rows]])
        self.labels_ = data.y[rows]
        self.meta_ = [{"company_name": r.company_name, "main_product": r.main_product[:120], "item_code": r.item_code}
                      for r in (data.records[i] for i in rows)]
        self.n_items_ = len(data.items)
        return self

    def neighbours(self, batch: Batch) -> tuple[np.ndarray, np.ndarray]:
        """(row ids, similarities), each (n, ≥ k), nearest first; one query per batch."""
        return batch.memo("neighbours", lambda: self.index_.query(batch.S, max(self.k_, N_NEIGHBOURS)))

    def scores(self, batch: Batch) -> np.ndarray:
        ids, sims = self.neighbours(batch)
        return knn_votes(self.labels_[ids[:, : self.k_]], sims[:, : self.k_], self.n_items_)

    def state(self, folder: Path) -> tuple[dict, dict[str, np.ndarray]]:
        self.index_.save(folder, "knn")
        (folder / META_FILE).write_text(json.dumps(self.meta_, ensure_ascii=False), encoding="utf-8")
        return {"k": self.k_}, {"knn_labels": self.labels_}

    @classmethod
    def from_state(cls, state: dict, arrays, folder: Path, items: list[str], taxonomy: Taxonomy) -> KnnPart:
        self = cls()
        self.k_, self.n_items_ = int(state["k"]), len(items)
        self.index_, self.labels_ = HnswIndex.load(folder, "knn"), arrays["knn_labels"]
        self.meta_ = json.loads((folder / META_FILE).read_text(encoding="utf-8"))
        return self

    def remap(self, revision: Revision) -> KnnPart:
        """Rows relabelled through the diff; a split code's rows go to the target whose new definition vector is
        nearest to the record's vector; rows of removed codes are dropped (the index is rebuilt)."""
        new_items = revision.new_items
        new_index = {c: i for i, c in enumerate(new_items)}
        D = revision.part("definition").vectors_
        succ = revision.diff.successors()
        S = self.index_.index_.get_items(np.arange(len(self.labels_)), return_type="numpy").astype(np.float32)
        keep, labels, meta = [], [], []
        split_counts: dict[str, dict[str, int]] = {}
        for i, label in enumerate(self.labels_):
            code = revision.old_items[int(label)]
            targets = [t for t in succ.get(code, [code] if code in new_index else []) if t in new_index]
            if not targets:
                continue
            target = targets[0]
            if len(targets) > 1:
                target = targets[int(np.argmax(D[[new_index[t] for t in targets]] @ S[i]))]
                split_counts.setdefault(code, {}).setdefault(target, 0)
                split_counts[code][target] += 1
            keep.append(i)
            labels.append(new_index[target])
            meta.append({**self.meta_[i], "item_code": target} if i < len(self.meta_) else {})
        out = KnnPart()
        out.k_, out.n_items_ = self.k_, len(new_items)
        out.labels_ = np.asarray(labels, dtype=self.labels_.dtype)
        out.index_ = HnswIndex().fit(S[np.asarray(keep, dtype=int)], [str(int(v)) for v in out.labels_])
        out.meta_ = meta
        revision.report.update(
            train_rows_relabelled=int(sum(revision.old_items[int(self.labels_[i])] != new_items[j]
                                          for i, j in zip(keep, labels))),
            train_rows_dropped=len(self.labels_) - len(keep), split_assignments=split_counts)
        return out


def knn_votes(neighbour_labels: np.ndarray, sims: np.ndarray, n_items: int) -> np.ndarray:
    """log(share of exp(sim/τ)-weighted votes per item + floor); labels are item indices."""
    w = np.exp((sims - sims.max(axis=1, keepdims=True)) / KNN_TEMPERATURE)
    votes = np.zeros((len(sims), n_items), np.float32)
    rows = np.repeat(np.arange(len(sims)), sims.shape[1])
    np.add.at(votes, (rows, neighbour_labels.ravel()), w.ravel())
    votes /= votes.sum(axis=1, keepdims=True)
    return np.log(votes + KNN_FLOOR)
