"""Structured features beside the text embedding: KSIC levels (mapped to the 11th revision) and NST prefix."""
from __future__ import annotations

from collections import Counter

import numpy as np
from sklearn.preprocessing import OneHotEncoder

from workbench.schema.record import CompanyRecord
from workbench.taxonomy.ksic import ksic_tables

COLUMNS = ("ksic_division", "ksic_group", "ksic_class", "nst_section")
NEVER = "-"  # placeholder category of a column with no frequent value
LABELS_KO = {"ksic_division": "업종코드 중분류", "ksic_group": "업종코드 소분류", "ksic_class": "업종코드 세분류",
             "nst_section": "기술분류 대분류"}


def structured_values(record: CompanyRecord) -> list[str]:
    """KSIC 2/3/4-digit codes (11th revision; a 10th-revision code is mapped) and the NST section."""
    codes = ksic_tables().to_ksic11(record.ksic_code, record.base_date)
    code = codes[0] if codes else ""
    nst = record.nst_code.strip().upper()[:2]
    return [code[:2], code[:3], code[:4], nst]


class StructuredFeatures:
    """One-hot encoding of :func:`structured_values` over values seen ``min_frequency`` times in training;
    unknown, rare or missing values encode as zeros."""

    def __init__(self, min_frequency: int = 3):
        self.min_frequency = min_frequency

    def fit(self, records: list[CompanyRecord]) -> "StructuredFeatures":
        values = np.array([structured_values(r) for r in records], dtype=object)
        self.categories_ = []
        for j in range(len(COLUMNS)):
            counts = Counter(values[:, j])
            kept = sorted(v for v, n in counts.items() if v and n >= self.min_frequency)
            self.categories_.append(kept or [NEVER])
        return self._build()

    def _build(self) -> "StructuredFeatures":
        self.encoder_ = OneHotEncoder(categories=[np.array(c, dtype=object) for c in self.categories_],
                                      handle_unknown="ignore", sparse_output=False, dtype=np.float32)
        self.encoder_.fit(np.array([[c[0] for c in self.categories_]], dtype=object))
        self.feature_names_ = list(self.encoder_.get_feature_names_out(COLUMNS))
        return self

    @classmethod
    def from_categories(cls, categories: list[list[str]]) -> "StructuredFeatures":
        self = cls()
        self.categories_ = [list(c) for c in categories]
        return self._build()

    def transform(self, records: list[CompanyRecord]) -> np.ndarray:
        return self.encoder_.transform(np.array([structured_values(r) for r in records], dtype=object))
