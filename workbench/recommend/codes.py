"""Code profiles: how typical a record's KSIC subclass and NST section are of each item.

For each code field the profile counts, per item, the judged records carrying each code value, adds the
taxonomy's item→KSIC links as pseudo-records (so new or rare items have a profile before anyone judged them)
and smooths towards the background distribution. A record's score for item c is
Σ_fields log p(value | c) / p(value): 0 for an unknown or missing value, positive where the value is typical of
c. The five-digit KSIC code carries much more than its 2–4-digit levels used by the head: examiners' codes
follow the items' industries.
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from workbench.recommend.features import LABELS_KO as FEATURE_LABELS_KO
from workbench.schema.record import CompanyRecord
from workbench.taxonomy.ksic import ksic_tables
from workbench.taxonomy.model import Taxonomy

FIELDS = ("ksic_subclass", "nst_section")
# the NST section is also a head feature: the same label makes the two terms one keyword
LABELS_KO = {"ksic_subclass": "업종코드", "nst_section": FEATURE_LABELS_KO["nst_section"]}
SOURCE_FIELD = {"ksic_subclass": "ksic_code", "nst_section": "nst_code"}


def code_values(record: CompanyRecord) -> tuple[str, str]:
    """The 5-digit KSIC code (11th revision; a 10th-revision code is mapped) and the 2-letter NST section."""
    codes = ksic_tables().to_ksic11(record.ksic_code, record.base_date)
    return (codes[0] if codes else ""), record.nst_code.strip().upper()[:2]


def link_counts(taxonomy: Taxonomy, items: Sequence[str]) -> dict[str, dict[int, float]]:
    """KSIC code → {item index: share of that item's links (1/rank weighted)}: one pseudo-record per item."""
    index_of = {c: i for i, c in enumerate(items)}
    out: dict[str, dict[int, float]] = {}
    for code, links in taxonomy.ksic_by_item.items():
        if code not in index_of:
            continue
        total = sum(1.0 / link.rank for link in links)
        for link in links:
            out.setdefault(link.ksic11_code, {})[index_of[code]] = (1.0 / link.rank) / total
    return out


class CodeProfiles:
    """scikit-learn style: ``fit`` learns ``values_`` and ``counts_`` per field; ``transform`` gives (n, n_items)
    log-ratios. ``smoothing``: pseudo-records drawn from the background per item; ``link_weight``: pseudo-records
    per item spread over its taxonomy KSIC links."""

    def __init__(self, smoothing: float = 8.0, link_weight: float = 2.0):
        self.smoothing = smoothing
        self.link_weight = link_weight

    def fit(self, records: list[CompanyRecord], y: np.ndarray, taxonomy: Taxonomy,
            items: Sequence[str]) -> "CodeProfiles":
        """``y``: indices into ``items`` (the recommender's item order)."""
        values = [code_values(r) for r in records]
        links = link_counts(taxonomy, items)
        self.values_, self.counts_ = {}, {}
        for f, field in enumerate(FIELDS):
            seen = {v[f] for v in values if v[f]} | (set(links) if field == "ksic_subclass" else set())
            self.values_[field] = sorted(seen)
            col = {v: j for j, v in enumerate(self.values_[field])}
            counts = np.zeros((len(items), len(col)), np.float32)
            for v, c in zip(values, y):
                if v[f]:
                    counts[c, col[v[f]]] += 1.0
            self.counts_[field] = counts
        self.link_counts_ = self._link_matrix(links)
        return self._build()

    def _link_matrix(self, links: dict[str, dict[int, float]]) -> np.ndarray:
        col = {v: j for j, v in enumerate(self.values_["ksic_subclass"])}
        M = np.zeros_like(self.counts_["ksic_subclass"])
        for value, shares in links.items():
            if value in col:
                for c, share in shares.items():
                    M[c, col[value]] = share
        return M

    def _build(self) -> "CodeProfiles":
        self.log_ratio_, self.column_ = {}, {}
        for field in FIELDS:
            counts = self.counts_[field] + (self.link_weight * self.link_counts_ if field == "ksic_subclass" else 0.0)
            if counts.shape[1] == 0:
                self.log_ratio_[field] = counts
            else:
                background = (counts.sum(axis=0) + 1.0) / (counts.sum() + counts.shape[1])
                p = (counts + self.smoothing * background) / (counts.sum(axis=1, keepdims=True) + self.smoothing)
                self.log_ratio_[field] = (np.log(p) - np.log(background)).astype(np.float32)
            self.column_[field] = {v: j for j, v in enumerate(self.values_[field])}
        return self

    def columns(self, record: CompanyRecord) -> list[tuple[str, str, int]]:
        """(field, value, column) of each of the record's code values known to the profiles."""
        out = []
        for field, value in zip(FIELDS, code_values(record)):
            j = self.column_[field].get(value)
            if j is not None:
                out.append((field, value, j))
        return out

    def transform(self, records: list[CompanyRecord]) -> np.ndarray:
        n_items = self.counts_[FIELDS[0]].shape[0]
        out = np.zeros((len(records), n_items), np.float32)
        for i, r in enumerate(records):
            for field, _, j in self.columns(r):
                out[i] += self.log_ratio_[field][:, j]
        return out

    # ---- persistence and revisions ---------------------------------------------------------------------------
    def to_state(self) -> tuple[dict, dict[str, np.ndarray]]:
        """(JSON-able settings and values, arrays) for saving."""
        arrays = {f"codes_{f}": self.counts_[f] for f in FIELDS} | {"codes_links": self.link_counts_}
        return {"smoothing": self.smoothing, "link_weight": self.link_weight, "values": self.values_}, arrays

    @classmethod
    def from_state(cls, state: dict, arrays) -> "CodeProfiles":
        self = cls(state["smoothing"], state["link_weight"])
        self.values_ = {f: list(state["values"][f]) for f in FIELDS}
        self.counts_ = {f: np.asarray(arrays[f"codes_{f}"]) for f in FIELDS}
        self.link_counts_ = np.asarray(arrays["codes_links"])
        return self._build()

    def remap(self, sources: list[list[int]], taxonomy: Taxonomy, items: Sequence[str]) -> "CodeProfiles":
        """Profiles for a new item list: each new item sums its source items' judged counts (none for a new
        item) and takes its taxonomy links from ``taxonomy``."""
        out = CodeProfiles(self.smoothing, self.link_weight)
        links = link_counts(taxonomy, items)
        out.values_ = {f: list(self.values_[f]) for f in FIELDS}
        out.values_["ksic_subclass"] = sorted(set(out.values_["ksic_subclass"]) | set(links))
        out.counts_ = {}
        for field in FIELDS:
            old = self.counts_[field]
            new_column = {v: j for j, v in enumerate(out.values_[field])}
            col = [new_column[v] for v in self.values_[field]]
            counts = np.zeros((len(items), len(out.values_[field])), np.float32)
            for j, rows in enumerate(sources):
                if rows:
                    counts[j, col] = old[rows].sum(axis=0)
            out.counts_[field] = counts
        out.link_counts_ = out._link_matrix(links)
        return out._build()
