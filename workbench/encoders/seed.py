"""Vectors shipped with the project, so a fresh machine's first model need not compute them.

A seed file holds sentence vectors keyed exactly like :class:`CachedEncoder` (kind, :func:`text_key`) and one probe
text with its vector. :func:`load_seed` encodes the probe with the local encoder and copies the vectors into the cache
only when they agree, so a seed written by other weights is refused. A text that changed after the seed was written
is simply a cache miss and is encoded as usual: a stale seed costs time, never correctness.
"""
from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np

from workbench.encoders.base import Kind, check_kind
from workbench.encoders.cache import CachedEncoder, text_key

PROBE_MIN_COSINE = 0.999  # same weights on another CPU differ by ~1e-7; other weights by far more


def write_seed(encoder: CachedEncoder, texts: Mapping[Kind, Sequence[str]], path: str | os.PathLike) -> int:
    """Encode ``texts`` (kind → texts, through the cache) and write their vectors to ``path`` (.npz). Returns the
    number of distinct vectors written."""
    kinds, keys, vecs = [], [], []  # keys as (n, 32) bytes: numpy's "S32" would drop a digest's trailing zeros
    for kind, group in texts.items():
        unique = list(dict.fromkeys(group))
        if not unique:
            continue
        vecs.append(encoder.encode(unique, kind=check_kind(kind)))
        kinds += [kind] * len(unique)
        keys += [text_key(t) for t in unique]
    if not keys:
        raise ValueError("no texts to seed")
    probe_kind, probe_text = next((k, g[0]) for k, g in texts.items() if g)
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    with open(path, "wb") as fh:  # a file object: np.savez_compressed would append ".npz" to a bare path
        np.savez_compressed(fh, encoder_id=encoder.id, kinds=np.array(kinds),
                            keys=np.frombuffer(b"".join(keys), np.uint8).reshape(-1, 32),
                            vectors=np.vstack(vecs).astype("<f4"), probe_kind=probe_kind, probe_text=probe_text,
                            probe_vector=encoder.encode([probe_text], kind=probe_kind)[0])
    return len(keys)


def load_seed(encoder: CachedEncoder, path: str | os.PathLike) -> int:
    """Copy the vectors of seed file ``path`` into ``encoder``'s cache after checking its probe against the local
    encoder; returns how many were new to the cache (0, without loading the model, when it holds them all already).
    Raises ``ValueError`` for a seed of another encoder or weights."""
    with np.load(path, allow_pickle=False) as seed:
        if str(seed["encoder_id"]) != encoder.id or seed["vectors"].shape[1] != encoder.dim:
            raise ValueError(f"{path} holds vectors of {seed['encoder_id']} (dim {seed['vectors'].shape[1]}), "
                             f"not {encoder.id} (dim {encoder.dim})")
        kinds, keys, vectors = seed["kinds"], [k.tobytes() for k in seed["keys"]], seed["vectors"]
        by_kind = {str(k): np.flatnonzero(kinds == k) for k in np.unique(kinds)}
        if not any(encoder.missing(k, [keys[i] for i in rows]) for k, rows in by_kind.items()):
            return 0  # loaded before, after its probe passed: `make run` need not load the model for it
        local = encoder.encoder.encode([str(seed["probe_text"])], kind=check_kind(str(seed["probe_kind"])))[0]
        cosine = float(local @ seed["probe_vector"])
        if cosine < PROBE_MIN_COSINE:
            raise ValueError(f"{path} was written by other weights of {encoder.id}: probe cosine {cosine:.4f}")
    return sum(encoder.add(k, {keys[i]: vectors[i] for i in rows}) for k, rows in by_kind.items())
