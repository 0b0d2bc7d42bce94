"""A multinomial linear head. Fitting differs by backend; prediction is plain numpy on the learned weights,
so a head fitted on a GPU loads and predicts on any CPU machine."""
from __future__ import annotations

from abc import ABC, abstractmethod
from pathlib import Path

import numpy as np


class LinearHead(ABC):
    backend: str = ""

    def __init__(self, C: float = 10.0, max_iter: int = 300):
        self.C = C
        self.max_iter = max_iter

    @abstractmethod
    def _fit_weights(self, X: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Learn (coef (n_classes, n_features), intercept (n_classes,)) for labels 0..n_classes-1."""

    def fit(self, X: np.ndarray, y: np.ndarray) -> "LinearHead":
        self.classes_, y_idx = np.unique(np.asarray(y), return_inverse=True)
        if len(self.classes_) < 2:
            raise ValueError("the head needs at least two classes to learn from")
        coef, intercept = self._fit_weights(np.asarray(X, np.float32), y_idx)
        self.coef_ = np.asarray(coef, np.float32)
        self.intercept_ = np.asarray(intercept, np.float32)
        return self

    def decision_function(self, X: np.ndarray) -> np.ndarray:
        return np.asarray(X, np.float32) @ self.coef_.T + self.intercept_

    def predict_proba(self, X: np.ndarray) -> np.ndarray:
        z = self.decision_function(X)
        z -= z.max(axis=1, keepdims=True)
        p = np.exp(z)
        return p / p.sum(axis=1, keepdims=True)

    def predict(self, X: np.ndarray) -> np.ndarray:
        return self.classes_[self.decision_function(X).argmax(axis=1)]

    def save(self, path: Path) -> None:
        np.savez(path, classes=self.classes_, coef=self.coef_, intercept=self.intercept_,
                 C=self.C, max_iter=self.max_iter, backend=self.backend)
