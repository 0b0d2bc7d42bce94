"""hnswlib cosine index over unit vectors, persisted with the row labels it was built from."""
from __future__ import annotations

import json
from pathlib import Path

import hnswlib
import numpy as np


class HnswIndex:
    def __init__(self, M: int = 32, ef_construction: int = 200, ef: int = 128, threads: int = 2):
        self.M, self.ef_construction, self.ef, self.threads = M, ef_construction, ef, threads

    def fit(self, vectors: np.ndarray, labels: list[str]) -> "HnswIndex":
        vectors = np.asarray(vectors, np.float32)
        if len(vectors) != len(labels):
            raise ValueError(f"{len(vectors)} vectors but {len(labels)} labels")
        self.labels_ = np.asarray(labels)
        self.dim_ = vectors.shape[1]
        self.index_ = hnswlib.Index(space="cosine", dim=self.dim_)
        self.index_.init_index(max_elements=max(len(vectors), 1), M=self.M, ef_construction=self.ef_construction,
                               random_seed=7)
        self.index_.add_items(vectors, np.arange(len(vectors)), num_threads=self.threads)
        self.index_.set_ef(max(self.ef, 1))
        return self

    def __len__(self) -> int:
        return self.index_.get_current_count()

    def query(self, vectors: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """(row ids, cosine similarities), each (n, k), nearest first."""
        k = min(k, len(self))
        self.index_.set_ef(max(self.ef, k))
        ids, dist = self.index_.knn_query(np.asarray(vectors, np.float32), k=k, num_threads=self.threads)
        return ids.astype(np.int64), 1.0 - dist

    def save(self, folder: Path, name: str) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self.index_.save_index(str(folder / f"{name}.hnsw"))
        (folder / f"{name}.json").write_text(json.dumps({
            "labels": self.labels_.tolist(), "dim": self.dim_, "M": self.M, "ef": self.ef,
            "ef_construction": self.ef_construction}, ensure_ascii=False), encoding="utf-8")

    @classmethod
    def load(cls, folder: Path, name: str, threads: int = 2) -> "HnswIndex":
        meta = json.loads((folder / f"{name}.json").read_text(encoding="utf-8"))
        idx = cls(M=meta["M"], ef_construction=meta["ef_construction"], ef=meta["ef"], threads=threads)
        idx.labels_, idx.dim_ = np.asarray(meta["labels"]), meta["dim"]
        idx.index_ = hnswlib.Index(space="cosine", dim=idx.dim_)
        idx.index_.load_index(str(folder / f"{name}.hnsw"), max_elements=len(idx.labels_))
        idx.index_.set_ef(idx.ef)
        return idx
