"""How much a sentence reads like an item definition of the criteria: the fallback of :mod:`propose` for documents
whose headings and wording its rules do not know.

Score = the highest character n-gram TF-IDF cosine between the sentence and any item definition of the current
revision (the lexical part's :class:`~workbench.recommend.lexical.LexicalDefinitions`, fitted on the definitions
alone, so no model is needed and the CLI stays fast). Product and use sentences tend to share the definitions'
technical compounds more than market, finance or organisation sentences do; the separation is weak (measured in
docs/app.md, "Unseen wording"), so what it proposes is marked for the examiner to check.
"""
from __future__ import annotations

import re
from functools import lru_cache

import numpy as np

from workbench.config import DEFAULT_REVISION
from workbench.intake.sections import MAX_HEADING, SENTENCE
from workbench.recommend.lexical import LexicalDefinitions
from workbench.taxonomy.loader import load_taxonomy

SENTENCE_END = re.compile(r"(?<=[.!?。])\s+")
MIN_CHARS, MAX_CHARS = 12, 300  # shorter: labels and fragments; longer: a run-on block, not a sentence


@lru_cache(maxsize=2)
def definitions_model(revision: str = DEFAULT_REVISION) -> LexicalDefinitions:
    definitions = [item.definition_text for item in load_taxonomy(revision).items]
    return LexicalDefinitions().fit(definitions, corpus=[])


def split_sentences(text: str) -> list[str]:
    """The sentences of a paragraph that can say what a product is: fragments, over-long runs and heading-like
    lines (short, with no sentence ending — numbering and wording of headings vary too much to list) dropped."""
    pieces = (s.strip() for s in SENTENCE_END.split(text))
    return [s for s in pieces if MIN_CHARS <= len(s) <= MAX_CHARS and (len(s) > MAX_HEADING or SENTENCE.search(s))]


def definition_likeness(sentences: list[str], revision: str = DEFAULT_REVISION) -> np.ndarray:
    """(n,) the best cosine of each sentence with any item definition."""
    if not sentences:
        return np.zeros(0, dtype=np.float32)
    return definitions_model(revision).transform(sentences).max(axis=1)
