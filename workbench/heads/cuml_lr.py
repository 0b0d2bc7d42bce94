"""cuML multinomial logistic regression on a CUDA device (optional `gpu` extra; imported only when used)."""
from __future__ import annotations

import numpy as np

from workbench.heads.base import LinearHead


class CumlLogisticHead(LinearHead):
    backend = "cuml"

    def _fit_weights(self, X: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        from cuml.linear_model import LogisticRegression

        lr = LogisticRegression(C=self.C, max_iter=self.max_iter, solver="qn", output_type="numpy")
        lr.fit(X, y.astype(np.int32))
        coef = np.asarray(lr.coef_)
        return coef.reshape(-1, X.shape[1]), np.asarray(lr.intercept_).reshape(-1)
