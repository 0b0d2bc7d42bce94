"""Fine-tune the e5 body on the judgment history (SetFit-style), so the frozen LR head is not the only learner.

Objective: a cosine-softmax over one prototype per item, the prototypes initialised from the item-definition
vectors (``passage:``) and learned along with the body. Queries of an item are pulled towards its definition,
so the tuned encoder also sharpens the zero-shot definition part (new items stay reachable). The definition's
segments (name, each bullet) are extra labelled training texts: they carry each item's vocabulary beyond the
few phrases of its judged records (label-description fine-tuning). The token
embedding table stays frozen (its 96 M parameters dominate the optimiser's cost; unseen words keep their
pre-trained vectors). Mean pooling is kept, so keyword attributions remain an exact decomposition.

Cost on a 2-core CPU: about 3.5 s per step of 32 texts (max 128 tokens); ``max_records_per_item`` and
``epochs`` bound it. The result is a sentence-transformers folder, reusable like the installed encoder.
"""
from __future__ import annotations

import hashlib
import json
import math
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from tqdm.auto import tqdm

from workbench.encoders.base import pool_segments
from workbench.encoders.e5 import E5Encoder

TUNING_FILE = "tuning.json"


def _token_embeddings(auto_model):
    """The token-embedding module kept frozen: BERT's whole embeddings block (words, positions, types, norm),
    else the model's input embeddings."""
    embeddings = getattr(auto_model, "embeddings", None)
    return embeddings if embeddings is not None else auto_model.get_input_embeddings()


class EncoderTuner:
    """scikit-learn style: ``__init__`` stores settings; ``fit`` trains and writes ``out_dir``, sets ``*_``."""

    def __init__(self, epochs: float = 1.0, max_records_per_item: int = 24, batch_size: int = 32,
                 learning_rate: float = 2e-5, prototype_learning_rate: float = 1e-3, scale: float = 20.0,
                 max_seq_length: int = 128, warmup_fraction: float = 0.1, train_on_definitions: bool = True,
                 random_state: int = 0, show_progress: bool = False):
        self.epochs = epochs
        self.max_records_per_item = max_records_per_item
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.prototype_learning_rate = prototype_learning_rate
        self.scale = scale
        self.max_seq_length = max_seq_length
        self.warmup_fraction = warmup_fraction
        self.train_on_definitions = train_on_definitions
        self.random_state = random_state
        self.show_progress = show_progress

    def get_params(self) -> dict:
        return {k: getattr(self, k) for k in ("epochs", "max_records_per_item", "batch_size", "learning_rate",
                                              "prototype_learning_rate", "scale", "max_seq_length",
                                              "warmup_fraction", "train_on_definitions", "random_state")}

    def fingerprint(self, base_dir: Path, texts: Sequence[str], labels: Sequence[int],
                    definitions: Sequence[Sequence[str]]) -> str:
        """Hash of everything that determines the tuned weights (base model, data, settings)."""
        h = hashlib.sha256(json.dumps(self.get_params(), sort_keys=True).encode())
        stamps = sorted(Path(base_dir).glob("*_stamp.json"))  # written by the folder's builder (e5, gemma)
        for stamp in stamps:
            h.update(stamp.read_bytes())
        if not stamps:
            h.update(str(base_dir).encode())
        for t, y in zip(texts, labels):
            h.update(f"{y}\t{t}\n".encode())
        h.update("\n".join("\t".join(segments) for segments in definitions).encode())
        return h.hexdigest()

    def select(self, labels: np.ndarray) -> np.ndarray:
        """Indices used for tuning: at most ``max_records_per_item`` per item (seeded), all of rare items."""
        rng = np.random.default_rng(self.random_state)
        keep = []
        for c in np.unique(labels):
            idx = np.flatnonzero(labels == c)
            keep += list(rng.choice(idx, min(len(idx), self.max_records_per_item), replace=False))
        return np.array(sorted(keep), dtype=int)

    def fit(self, texts: Sequence[str], labels: Sequence[int], definitions: Sequence[Sequence[str]],
            base_dir: str | Path, out_dir: str | Path, prompts: dict[str, str] | None = None) -> "EncoderTuner":
        """Tune the encoder at ``base_dir`` on (``texts``, ``labels``); ``labels`` index ``definitions``, one list
        of segments per item (``Item.definition_segments``). ``prompts``: the model's query/passage prompts
        (e5's by default)."""
        import torch
        import torch.nn.functional as F
        from sentence_transformers import SentenceTransformer

        labels = np.asarray(labels, dtype=int)
        if len(texts) != len(labels) or len(texts) < 2:
            raise ValueError("tuning needs at least two texts with one label each")
        if labels.min() < 0 or labels.max() >= len(definitions):
            raise ValueError("labels must index the definitions")
        torch.manual_seed(self.random_state)
        rng = np.random.default_rng(self.random_state)
        device = "cuda" if torch.cuda.is_available() else "cpu"
        prompts = prompts or E5Encoder.prompts
        model = SentenceTransformer(str(base_dir), device=device, local_files_only=True)
        model.max_seq_length = self.max_seq_length
        for p in _token_embeddings(model[0].auto_model).parameters():
            p.requires_grad_(False)
        model.eval()
        flat = [seg for segments in definitions for seg in segments]
        init = pool_segments(model.encode(flat, prompt=prompts["passage"], batch_size=self.batch_size), definitions)
        prototypes = torch.nn.Parameter(torch.as_tensor(init, device=device))
        body = [p for p in model.parameters() if p.requires_grad]
        optimiser = torch.optim.AdamW([{"params": body, "lr": self.learning_rate},
                                       {"params": [prototypes], "lr": self.prototype_learning_rate}],
                                      weight_decay=0.01)
        chosen = self.select(labels)
        texts, labels = list(texts), labels
        if self.train_on_definitions:  # every segment, every epoch, after the records (indices past len(texts))
            seg_labels = np.repeat(np.arange(len(definitions)), [len(d) for d in definitions])
            chosen = np.concatenate([chosen, len(texts) + np.arange(len(flat))])
            texts, labels = texts + flat, np.concatenate([labels, seg_labels])
        steps = max(1, int(math.ceil(len(chosen) / self.batch_size * self.epochs)))
        warmup = max(1, int(self.warmup_fraction * steps))
        schedule = torch.optim.lr_scheduler.LambdaLR(
            optimiser, lambda s: min(1.0, (s + 1) / warmup) * max(0.0, (steps - s) / steps))
        model.train()
        queue: list[int] = []
        losses, start = [], time.perf_counter()
        for _ in tqdm(range(steps), disable=not self.show_progress, desc="tuning encoder", unit="step"):
            if len(queue) < self.batch_size:
                queue += list(rng.permutation(chosen))
            batch, queue = queue[: self.batch_size], queue[self.batch_size:]
            features = model.preprocess([prompts["query"] + texts[i] for i in batch])
            features = {k: v.to(device) if hasattr(v, "to") else v for k, v in features.items()}
            q = F.normalize(model(features)["sentence_embedding"], dim=-1)
            logits = self.scale * q @ F.normalize(prototypes, dim=-1).T
            loss = F.cross_entropy(logits, torch.as_tensor(labels[batch], device=device))
            loss.backward()
            torch.nn.utils.clip_grad_norm_(body, 1.0)
            optimiser.step()
            schedule.step()
            optimiser.zero_grad()
            losses.append(loss.item())
        model.eval()
        out_dir = Path(out_dir)
        model.save(str(out_dir), create_model_card=False)
        self.n_steps_, self.n_records_ = steps, len(chosen)  # records and definition segments
        self.seconds_ = time.perf_counter() - start
        self.loss_curve_ = [float(np.mean(losses[i:i + 10])) for i in range(0, len(losses), 10)]
        self.path_ = out_dir
        (out_dir / TUNING_FILE).write_text(json.dumps({
            "params": self.get_params(), "n_steps": steps, "n_records": len(chosen), "seconds": round(self.seconds_, 1),
            "device": device, "loss_first": self.loss_curve_[0], "loss_last": self.loss_curve_[-1],
            "loss_curve": [round(v, 4) for v in self.loss_curve_]}, indent=1), encoding="utf-8")
        return self
