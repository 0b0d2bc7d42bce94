"""Korean keyword units (Kiwi morphemes) with character spans, and a user dictionary of item terms."""
from __future__ import annotations

import os
import re
from dataclasses import dataclass
from functools import lru_cache

from workbench.config import TAXONOMY_DIR
from workbench.taxonomy.model import Taxonomy

USER_TERMS_FILE = TAXONOMY_DIR / "user_terms.txt"

KEYWORD_TAGS = ("NNG", "NNP", "SL", "SH", "XR")
KIWI_THREADS = min(4, len(os.sched_getaffinity(0)))  # a batch is tokenised after it is encoded: cores are free
TERM_RE = re.compile(r"[가-힣]{2,}")


@dataclass(frozen=True)
class Word:
    text: str
    start: int
    end: int


def item_terms(taxonomy: Taxonomy) -> list[str]:
    """User dictionary that keeps compounds whole: Hangul terms of item names plus ``user_terms.txt``."""
    terms = set()
    for item in taxonomy.items:
        terms.update(TERM_RE.findall(item.name))
    if USER_TERMS_FILE.exists():
        lines = USER_TERMS_FILE.read_text(encoding="utf-8").splitlines()
        terms.update(s.strip() for s in lines if s.strip() and not s.startswith("#"))
    return sorted(terms)


class KeywordTokenizer:
    """Splits Korean text into content morphemes (nouns, roots, Latin/Chinese words) with spans."""

    def __init__(self, user_terms: tuple[str, ...] = ()):
        self.user_terms = user_terms

    @property
    def kiwi(self):
        if not hasattr(self, "_kiwi"):
            self._kiwi = _kiwi(self.user_terms)
        return self._kiwi

    def words(self, text: str) -> list[Word]:
        if not text.strip():
            return []
        return _content_words(text, self.kiwi.tokenize(text))

    def words_batch(self, texts: list[str]) -> list[list[Word]]:
        out: list[list[Word]] = [[] for _ in texts]
        idx = [i for i, t in enumerate(texts) if t.strip()]
        for i, tokens in zip(idx, self.kiwi.tokenize([texts[i] for i in idx])):
            out[i] = _content_words(texts[i], tokens)
        return out


def _content_words(text: str, tokens) -> list[Word]:
    """Content morphemes as they are written in the text (the surface form, which highlighting needs)."""
    return [Word(text[t.start:t.start + t.len], t.start, t.start + t.len) for t in tokens if t.tag in KEYWORD_TAGS]


@lru_cache(maxsize=4)
def _kiwi(user_terms: tuple[str, ...]):
    from kiwipiepy import Kiwi

    kiwi = Kiwi(num_workers=KIWI_THREADS)
    for term in user_terms:
        kiwi.add_user_word(term, "NNG", 0.0)
    return kiwi
