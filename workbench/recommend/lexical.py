"""Lexical part: character n-gram TF-IDF cosine between the record's own text and each item's definition.

The sentence encoder generalises over meaning; this part rewards the definitions' literal vocabulary (technical
compounds such as '활물질', '유리화'), which a company describing a product in its own words often shares with
the item text even when no judged record used those words. It needs no judged record, so new items have it.

Text: 주요제품, 제품용도 and 기술사업명 — a prefix of the composed text (``text.compose``), so character offsets
are shared with the keyword machinery. 업종명 is left out: it is the name of the KSIC code, which the code
profiles (``codes.py``) already count. n-grams: 1–3 characters within each whitespace word, the word padded
with a space at both ends (like scikit-learn's ``char_wb``), lower-cased; TF is sublinear (1 + log count), IDF is
smoothed, rows are L2-normalised (scikit-learn's TfidfVectorizer(sublinear_tf=True) with these n-grams).

The score is linear in the record's L2-normalised TF-IDF vector x: L_c = Σ_g x_g D_cg. Each n-gram's term is
spread evenly over the characters it covers, which gives an exact per-character (hence per-word) decomposition
(``char_contributions``).
"""
from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np
import scipy.sparse as sp

from workbench.recommend.text import compose
from workbench.schema.record import CompanyRecord

LEXICAL_FIELDS = ("main_product", "product_use", "tech_project")


def lexical_text(record: CompanyRecord) -> str:
    return compose(record, LEXICAL_FIELDS).text


def ngram_spans(text: str, ngram_range: tuple[int, int]) -> list[tuple[str, int, int]]:
    """(n-gram, start, end) of every n-gram occurrence; [start, end) are the text characters it covers."""
    low = text.lower()
    if len(low) != len(text):  # a case mapping that changes length would shift the offsets
        low = text
    lo, hi = ngram_range
    out = []
    for m in re.finditer(r"\S+", low):
        padded, s0, e0 = f" {m.group()} ", m.start() - 1, m.end()
        for n in range(lo, hi + 1):
            out += [(padded[i:i + n], max(s0 + i, s0 + 1), min(s0 + i + n, e0))
                    for i in range(len(padded) - n + 1) if padded[i:i + n].strip()]
    return out


class LexicalDefinitions:
    """fit(definition texts, corpus texts) → vocabulary and IDF; transform(texts) → (n, n_items) cosines."""

    def __init__(self, ngram_range: tuple[int, int] = (1, 3)) -> None:
        self.ngram_range = ngram_range

    def fit(self, definitions: Sequence[str], corpus: Sequence[str]) -> "LexicalDefinitions":
        """Vocabulary and smoothed IDF, ln((1 + n) / (1 + df)) + 1, over the definitions and the corpus (the judged
        records' texts; no labels used)."""
        docs = [{g for g, _, _ in ngram_spans(t, self.ngram_range)} for t in [*corpus, *definitions]]
        self.vocabulary_ = {g: j for j, g in enumerate(sorted(set().union(*docs)))}
        df = np.bincount([self.vocabulary_[g] for d in docs for g in d], minlength=len(self.vocabulary_))
        self.idf_ = np.log((1 + len(docs)) / (1 + df)) + 1.0
        self._set_definitions(self.vectors(definitions))
        return self

    def _set_definitions(self, matrix: sp.csr_matrix) -> None:
        self.definitions_ = matrix.tocsr()
        self._by_gram = matrix.T.tocsr()  # (vocabulary, items): fast row slices per n-gram

    def with_definitions(self, definitions: Sequence[str]) -> "LexicalDefinitions":
        """A copy scoring against other definitions (a criteria revision), same vocabulary and IDF."""
        out = LexicalDefinitions(self.ngram_range)
        out.vocabulary_, out.idf_ = self.vocabulary_, self.idf_
        out._set_definitions(out.vectors(definitions))
        return out

    def analyze(self, text: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Vocabulary column, start and end of every in-vocabulary n-gram occurrence (reusable by ``scores``
        and ``char_contributions``, so a text is analysed once)."""
        get = self.vocabulary_.get
        spans = [(j, a, b) for g, a, b in ngram_spans(text, self.ngram_range) if (j := get(g)) is not None]
        cols, starts, ends = (np.array(v, dtype=np.int64) for v in zip(*spans)) if spans else (np.zeros(0, np.int64),) * 3
        return cols, starts, ends

    def _row(self, cols: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Distinct columns and their L2-normalised sublinear TF-IDF weights."""
        uniq, counts = np.unique(cols, return_counts=True)
        w = (1.0 + np.log(counts)) * self.idf_[uniq]
        return uniq, w / (np.linalg.norm(w) or 1.0)

    def vectors(self, texts: Sequence[str]) -> sp.csr_matrix:
        return self._matrix([self.analyze(t) for t in texts])

    def _matrix(self, analyzed: Sequence[tuple]) -> sp.csr_matrix:
        rows = [self._row(a[0]) for a in analyzed]
        indptr = np.cumsum([0] + [len(u) for u, _ in rows])
        data = np.concatenate([w for _, w in rows]) if rows else np.zeros(0)
        indices = np.concatenate([u for u, _ in rows]) if rows else np.zeros(0, np.int64)
        return sp.csr_matrix((data, indices, indptr), shape=(len(rows), len(self.vocabulary_)))

    def transform(self, texts: Sequence[str]) -> np.ndarray:
        return self.scores([self.analyze(t) for t in texts])

    def scores(self, analyzed: Sequence[tuple]) -> np.ndarray:
        """``transform`` of texts already analysed (``analyze``)."""
        return np.asarray((self._matrix(analyzed) @ self.definitions_.T).todense(), dtype=np.float32)

    def char_contributions(self, text: str, directions: np.ndarray, analyzed: tuple | None = None) -> np.ndarray:
        """(k, len(text)): each character's share of directions @ L(text), for k direction rows over the items;
        row sums equal directions @ transform([text])[0] (characters of n-grams outside the vocabulary get 0)."""
        cols, starts, ends = analyzed if analyzed is not None else self.analyze(text)
        out = np.zeros((len(directions), len(text)), np.float64)
        if not len(cols):
            return out
        uniq, x = self._row(cols)
        per_gram = (self._by_gram[uniq].toarray() @ directions.T).T * x  # (k, n_distinct): each n-gram's term
        pos = np.searchsorted(uniq, cols)
        lengths = ends - starts
        per_char = per_gram[:, pos] / (np.bincount(pos)[pos] * lengths)  # (k, n_occurrences)
        occurrence = np.repeat(np.arange(len(cols)), lengths)
        chars = np.arange(lengths.sum()) - np.repeat(np.cumsum(lengths) - lengths, lengths) + starts[occurrence]
        for r in range(len(directions)):
            out[r] = np.bincount(chars, weights=per_char[r, occurrence], minlength=len(text))
        return out

    # ---- persistence ---------------------------------------------------------------------------------------
    def to_state(self) -> tuple[dict, dict[str, np.ndarray]]:
        grams = sorted(self.vocabulary_, key=self.vocabulary_.get)
        d = self.definitions_
        return ({"ngram_range": list(self.ngram_range)},
                {"lexical_grams": np.array(grams, dtype=str), "lexical_idf": self.idf_,
                 "lexical_def_data": d.data, "lexical_def_indices": d.indices, "lexical_def_indptr": d.indptr,
                 "lexical_def_shape": np.array(d.shape)})

    @classmethod
    def from_state(cls, state: dict, arrays) -> "LexicalDefinitions":
        self = cls(tuple(state["ngram_range"]))
        self.vocabulary_ = {str(g): j for j, g in enumerate(arrays["lexical_grams"])}
        self.idf_ = arrays["lexical_idf"]
        self._set_definitions(sp.csr_matrix((arrays["lexical_def_data"], arrays["lexical_def_indices"],
                                             arrays["lexical_def_indptr"]), shape=tuple(arrays["lexical_def_shape"])))
        return self

    @classmethod
    def empty(cls, n_items: int) -> "LexicalDefinitions":
        """A part that scores 0 everywhere (models saved before it existed; its fusion weight is 0)."""
        self = cls()
        self.vocabulary_, self.idf_ = {}, np.zeros(0)
        self._set_definitions(sp.csr_matrix((n_items, 0)))
        return self
