"""Encoders over a local sentence-transformers folder (mean pooling, optional linear layers after it).

Subclasses name the model: its id, its query/passage prompts, where its folder lives. The model (and torch) is
loaded on first use, so a fully cached run never imports torch. Nothing is fetched from a model hub.
"""
from __future__ import annotations

import json
import os
import threading
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from workbench.encoders.base import (Encoder, Kind, TokenEmbeddings, as_text_list, check_kind,
                                     l2_normalize)

os.environ["HF_HUB_OFFLINE"] = "1"  # never reach the model hub (set before transformers is imported)
os.environ["TRANSFORMERS_OFFLINE"] = "1"


def resolve_device(device: str = "auto") -> str:
    """``"cuda"`` when ``device == "auto"`` and CUDA is available, else ``"cpu"``; other values pass through."""
    import torch

    if device == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    return device


class SentenceTransformerEncoder(Encoder):
    """A mean-pooling SentenceTransformer folder; ``prompts`` maps kind → the prompt the model was trained with.

    Token outputs pass through the folder's linear layers (``Dense`` without activation), so
    ``normalize(mean(tokens)) == sentence`` holds and a linear function of the sentence vector decomposes
    exactly over tokens.
    """

    id: str
    base_name: str  # the name ``get_encoder`` knows it by; a fine-tuned copy keeps it
    prompts: dict[str, str]
    default_dir: Path | None = None  # the installed folder, used when no path is given
    max_seq_length: int | None = None  # cap on tokens read (None: the folder's own setting)
    supports_tokens = True
    missing_hint = "run `make setup`"

    def __init__(self, path: str | os.PathLike | None = None, device: str = "auto", model_id: str | None = None) -> None:
        """``path``: the folder (default ``default_dir``); ``model_id``: the id of a fine-tuned copy at ``path`` (its
        cache key); a saved model carries that folder."""
        if path is None and self.default_dir is None:
            raise ValueError(f"{type(self).__name__} has no default folder; pass its path")
        self.path = Path(path if path is not None else self.default_dir)
        if model_id is not None:
            self.id, self.bundle_dir = model_id, self.path
        if not (self.path / "model.safetensors").is_file():
            raise FileNotFoundError(f"{self.base_name} encoder folder not found at {self.path}; {self.missing_hint}")
        self.dim = _output_dim(self.path)
        self._device = device
        self._model = None
        self._load_lock = threading.Lock()

    def tuned_id(self, key: str) -> str:
        """Id of a copy of this encoder fine-tuned under ``key`` (see ``EncoderTuner.fingerprint``)."""
        return f"{self.id}-tuned-{key}"

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
                model = SentenceTransformer(str(self.path), device=device, local_files_only=True)
                if self.max_seq_length and model.max_seq_length > self.max_seq_length:
                    model.max_seq_length = self.max_seq_length
                self._model = model
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
        vecs = self.model.encode(texts, prompt=self.prompts[kind], batch_size=batch_size,
                                 show_progress_bar=show_progress, convert_to_numpy=True)
        return l2_normalize(vecs)

    def encode_with_tokens(self, texts: Sequence[str], kind: Kind = "query", batch_size: int = 32
                           ) -> tuple[np.ndarray, list[TokenEmbeddings]]:
        """One forward pass per batch: sentence vectors (n, dim) and each text's pooled token vectors
        (mapped through the linear layers after pooling, so they share the sentence vector's space)."""
        import torch

        texts = as_text_list(texts)
        prompt = self.prompts[check_kind(kind)]
        model = self.model
        model.eval()  # as SentenceTransformer.encode does: no dropout even after fine-tuning
        projections = _linear_projections(model)
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
                token_vecs = out["token_embeddings"]
                for weight in projections:
                    token_vecs = token_vecs @ weight.T
            mask = out["attention_mask"].bool().cpu().numpy()
            token_vecs = token_vecs.float().cpu().numpy()
            sentences.append(out["sentence_embedding"].float().cpu().numpy())
            for i, text in enumerate(batch):
                spans = _text_spans(prompt + text, offsets[i][mask[i]], len(prompt))
                tokens.append(TokenEmbeddings(np.ascontiguousarray(token_vecs[i][mask[i]]), spans))
        if not sentences:
            return np.zeros((0, self.dim), np.float32), []
        return l2_normalize(np.concatenate(sentences)), tokens


def _output_dim(path: Path) -> int:
    """Sentence vector size: the last Dense layer's output, else the pooled token size."""
    dense = sorted(p for p in path.glob("*_Dense") if (p / "config.json").is_file())
    if dense:
        return int(json.loads((dense[-1] / "config.json").read_text(encoding="utf-8"))["out_features"])
    pooling = json.loads((path / "1_Pooling" / "config.json").read_text(encoding="utf-8"))
    return int(pooling.get("word_embedding_dimension") or pooling["embedding_dimension"])  # ST 2–5 or 6 key


def _linear_projections(model) -> list:
    """Weights of the Dense modules after pooling; refuses a non-linear or biased one (no exact decomposition)."""
    import torch
    from sentence_transformers.sentence_transformer.modules import Dense, Normalize, Pooling, Transformer

    weights = []
    for module in model:
        if isinstance(module, Dense):
            if module.linear.bias is not None or not isinstance(module.activation_function, torch.nn.Identity):
                raise ValueError("token outputs need linear Dense layers without bias after pooling")
            weights.append(module.linear.weight)
        elif not isinstance(module, (Transformer, Pooling, Normalize)):
            raise ValueError(f"token outputs are not defined through a {type(module).__name__} module")
    return weights


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
