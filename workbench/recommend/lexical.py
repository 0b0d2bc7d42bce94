"""Lexical part: character n-gram TF-IDF cosine between the record's own text and each item's definition.

The sentence encoder generalises over meaning; this part rewards the definitions' literal vocabulary (technical
compounds such as '활물질', '유리화'), which a company describing a product in its own words often shares with
the item text even when no judged record used those words. It needs no judged record, so new items have it.

Text: 주요제품, 제품용도 and 기술사업명 — a prefix of the composed text (``text.compose``), so character offsets
are shared with the keyword machinery. 업종명 is left out: it is the name of the KSIC code, which the code
profiles (``codes.py``) already count. n-grams: 1–3 characters within each whitespace word, the word padded
with a space at both ends (like scikit-learn's ``char_wb``), lower-cased; TF is sublinear, IDF is smoothed.

The score is linear in the record's L2-normalised TF-IDF vector x: L_c = Σ_g x_g D_cg. Each n-gram's term is
spread evenly over the characters it covers, which gives an exact per-character (hence per-word) decomposition
(``char_contributions``).
"""
from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import TfidfVectorizer

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
        padded = f" {m.group()} "
        for n in range(lo, hi + 1):
            for i in range(len(padded) - n + 1):
                gram = padded[i:i + n]
                if gram.strip():
                    start = m.start() + i - 1
                    out.append((gram, max(start, m.start()), min(start + n, m.end())))
    return out


class LexicalDefinitions:
    """fit(definition texts, corpus texts) → vocabulary and IDF; transform(texts) → (n, n_items) cosines."""

    def __init__(self, ngram_range: tuple[int, int] = (1, 3)) -> None:
        self.ngram_range = ngram_range

    def _analyzer(self, text: str) -> list[str]:
        return [g for g, _, _ in ngram_spans(text, self.ngram_range)]

    def fit(self, definitions: Sequence[str], corpus: Sequence[str]) -> "LexicalDefinitions":
        """Vocabulary and IDF from the definitions and the corpus (the judged records' texts; no labels used)."""
        self.vectorizer_ = TfidfVectorizer(analyzer=self._analyzer, sublinear_tf=True).fit(list(corpus) + list(definitions))
        self.definitions_ = self.vectorizer_.transform(list(definitions)).tocsr()
        return self

    def with_definitions(self, definitions: Sequence[str]) -> "LexicalDefinitions":
        """A copy scoring against other definitions (a criteria revision), same vocabulary and IDF."""
        out = LexicalDefinitions(self.ngram_range)
        out.vectorizer_ = self.vectorizer_
        out.definitions_ = self.vectorizer_.transform(list(definitions)).tocsr()
        return out

    def vectors(self, texts: Sequence[str]) -> sp.csr_matrix:
        return self.vectorizer_.transform(list(texts)).tocsr()

    def transform(self, texts: Sequence[str]) -> np.ndarray:
        return np.asarray((self.vectors(texts) @ self.definitions_.T).todense(), dtype=np.float32)

    def char_contributions(self, text: str, directions: np.ndarray) -> np.ndarray:
        """(k, len(text)): each character's share of directions @ L(text), for k direction rows over the items;
        row sums equal directions @ transform([text])[0] (characters of n-grams outside the vocabulary get 0)."""
        x = self.vectors([text])
        out = np.zeros((len(directions), len(text)), np.float64)
        if not x.nnz:
            return out
        vocab = self.vectorizer_.vocabulary_
        spans = [(vocab.get(g), a, b) for g, a, b in ngram_spans(text, self.ngram_range)]
        spans = [(j, a, b) for j, a, b in spans if j is not None]
        cols = np.array(sorted({j for j, _, _ in spans}))
        x_cols = np.asarray(x[:, cols].todense()).ravel()
        per_gram = (directions @ self.definitions_[:, cols].toarray()) * x_cols  # (k, n_cols): each n-gram's term
        col_of = {j: i for i, j in enumerate(cols)}
        counts = np.bincount([col_of[j] for j, _, _ in spans], minlength=len(cols))
        for j, a, b in spans:
            i = col_of[j]
            out[:, a:b] += per_gram[:, i:i + 1] / (counts[i] * (b - a))
        return out

    # ---- persistence ---------------------------------------------------------------------------------------
    def to_state(self) -> tuple[dict, dict[str, np.ndarray]]:
        vocab = self.vectorizer_.vocabulary_
        grams = np.empty(len(vocab), dtype=object)
        for g, j in vocab.items():
            grams[j] = g
        d = self.definitions_
        return ({"ngram_range": list(self.ngram_range)},
                {"lexical_grams": grams.astype(str), "lexical_idf": self.vectorizer_.idf_,
                 "lexical_def_data": d.data, "lexical_def_indices": d.indices, "lexical_def_indptr": d.indptr,
                 "lexical_def_shape": np.array(d.shape)})

    @classmethod
    def from_state(cls, state: dict, arrays) -> "LexicalDefinitions":
        self = cls(tuple(state["ngram_range"]))
        vocab = {str(g): j for j, g in enumerate(arrays["lexical_grams"])}
        self.vectorizer_ = TfidfVectorizer(analyzer=self._analyzer, sublinear_tf=True, vocabulary=vocab)
        self.vectorizer_.idf_ = arrays["lexical_idf"]
        self.definitions_ = sp.csr_matrix((arrays["lexical_def_data"], arrays["lexical_def_indices"],
                                           arrays["lexical_def_indptr"]), shape=tuple(arrays["lexical_def_shape"]))
        return self

    @classmethod
    def empty(cls, n_items: int) -> "LexicalDefinitions":
        """A part that scores 0 everywhere (models saved before it existed; its fusion weight is 0)."""
        self = cls()
        self.vectorizer_ = TfidfVectorizer(analyzer=self._analyzer, sublinear_tf=True, vocabulary={" ": 0})
        self.vectorizer_.idf_ = np.ones(1)
        self.definitions_ = sp.csr_matrix((n_items, 1))
        return self
