"""scikit-learn multinomial logistic regression (CPU)."""
from __future__ import annotations

import numpy as np
from sklearn.linear_model import LogisticRegression

from workbench.heads.base import LinearHead


class SklearnLogisticHead(LinearHead):
    backend = "sklearn"

    def _fit_weights(self, X: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        lr = LogisticRegression(C=self.C, max_iter=self.max_iter, solver="lbfgs")
        lr.fit(X, y)
        return lr.coef_, lr.intercept_
