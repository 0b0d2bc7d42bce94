"""The quick first-run model: the base encoder (not fine-tuned) on a few records per item, so a fresh machine's app
answers within minutes while the fine-tuned model trains in the background (:mod:`workbench.recommend.background`).

Its vectors ship with the project (``embeddings/seed/<encoder id>.npz``, written by ``workbench data
seed-vectors``): computing them takes about 6.5 minutes on 2 cores (the 1,501 item-definition passages, 960
records and their listing views), loading them about a second. Texts that changed since the file was written are
encoded as usual.
"""
from __future__ import annotations

from pathlib import Path
from typing import cast

from workbench.config import DEFAULT_REVISION, SEED_DIR
from workbench.encoders import get_encoder
from workbench.encoders.cache import CachedEncoder
from workbench.encoders.seed import load_seed, write_seed
from workbench.recommend.parts.head import listing_texts
from workbench.recommend.text import compose, has_text
from workbench.schema.training import read_training, stratified_subset
from workbench.taxonomy.loader import load_taxonomy

QUICK_PER_ITEM = 4  # records per item (960): encoding is nearly all of the quick model's training time on 2 cores


def seed_file(encoder_id: str) -> Path:
    return SEED_DIR / f"{encoder_id}.npz"


def quick_texts(history: Path, revision: str = DEFAULT_REVISION) -> dict[str, list[str]]:
    """What the quick model trained on ``history`` encodes: its records and their listing views (queries; the head
    part's short head reads both) and the item definitions (passages)."""
    records = [r for r in stratified_subset(read_training(history).records, QUICK_PER_ITEM) if has_text(r)]
    return {"query": [compose(r).text for r in records] + listing_texts(records),
            "passage": [s for item in load_taxonomy(revision).items for s in item.definition_segments]}


def _cached(encoder_name: str) -> CachedEncoder:
    return cast(CachedEncoder, get_encoder(encoder_name, cache=True))


def load_shipped_vectors(encoder_name: str) -> str:
    """Copy the shipped vectors of ``encoder_name`` into the vector cache; returns a line for the set-up log."""
    encoder = _cached(encoder_name)
    path = seed_file(encoder.id)
    if not path.exists():
        return f"no shipped vectors for {encoder.id}: the quick model encodes its texts (minutes on a CPU)"
    try:
        added = load_seed(encoder, path)
    except ValueError as exc:
        return f"shipped vectors not used ({exc}): the quick model encodes its texts (minutes on a CPU)"
    return f"{added} shipped vectors of {encoder.id} added to the cache ({path.name})"


def write_shipped_vectors(encoder_name: str, history: Path) -> tuple[Path, int]:
    """Write ``embeddings/seed/<encoder id>.npz`` with the vectors of :func:`quick_texts` (committed data)."""
    encoder = _cached(encoder_name)
    path = seed_file(encoder.id)
    return path, write_seed(encoder, quick_texts(history), path)
