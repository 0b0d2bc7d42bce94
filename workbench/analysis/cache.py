"""The analysis model cache: :func:`train_or_load` fits a recommender once per training data, settings and
everything else a fit reads, under ``embeddings/analysis/`` (``WORKBENCH_ANALYSIS_DIR``) — never under
``embeddings/models``, so an analysis model never becomes the examiner app's model.

The key (:func:`cache_folder_name`) covers the training records, encoder, head backend and revision, the source
of every package a fit runs (:data:`FITTING_PACKAGES`: the model and its parts, heads, index, encoders with
their fine-tuning, the explanation machinery, record schema and taxonomy code) and the revision's data files
(:func:`fitting_inputs_hash`), so editing any of them trains afresh instead of loading a stale model.
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from pathlib import Path

from workbench.config import DEFAULT_ENCODER, EMBEDDINGS_DIR, TAXONOMY_DIR
from workbench.recommend.recommender import Recommender
from workbench.schema.record import CompanyRecord
from workbench.taxonomy.loader import revision_dirs

ANALYSIS_DIR = Path(os.environ.get("WORKBENCH_ANALYSIS_DIR", EMBEDDINGS_DIR / "analysis"))
PACKAGE_ROOT = Path(__file__).resolve().parent.parent  # workbench/
# the sub-packages of workbench/ whose code a fit runs (what recommend/ imports, directly or through others)
FITTING_PACKAGES = ("recommend", "heads", "index", "encoders", "explain", "schema", "taxonomy")


def taxonomy_data_files(revision: str, taxonomy_dir: Path = TAXONOMY_DIR) -> list[Path]:
    """The data files a fit of ``revision`` reads: the revision's folder, the KSIC tables (``ksic/``) and the
    shared files at the top of ``taxonomy_dir`` (user terms, application principles, …). Other revisions and
    ``source/`` (read only when a revision is rebuilt) are left out."""
    taxonomy_dir = Path(taxonomy_dir)
    folders = (revision_dirs(taxonomy_dir)[str(revision)], taxonomy_dir / "ksic")
    shared = [p for p in taxonomy_dir.iterdir() if p.is_file()]
    return sorted(shared) + [p for folder in folders for p in sorted(folder.rglob("*")) if p.is_file()]


def fitting_inputs_hash(revision: str, package_root: Path = PACKAGE_ROOT, taxonomy_dir: Path = TAXONOMY_DIR) -> str:
    """SHA-256 over what a fit reads besides its records and settings: the ``*.py`` sources of
    :data:`FITTING_PACKAGES` under ``package_root`` and :func:`taxonomy_data_files` of ``revision`` under
    ``taxonomy_dir`` (each file's path and bytes)."""
    package_root, taxonomy_dir = Path(package_root), Path(taxonomy_dir)
    h = hashlib.sha256()
    for sub in FITTING_PACKAGES:
        for p in sorted((package_root / sub).rglob("*.py")):  # recommend/parts/ included
            h.update(str(p.relative_to(package_root)).encode() + p.read_bytes())
    for p in taxonomy_data_files(revision, taxonomy_dir):
        h.update(str(p.relative_to(taxonomy_dir)).encode() + p.read_bytes())
    return h.hexdigest()


def _records_hash(records: list[CompanyRecord]) -> str:
    return hashlib.sha256("\n".join(json.dumps(r.to_dict(), ensure_ascii=False, sort_keys=True)
                                    for r in records).encode()).hexdigest()


def cache_folder_name(records: list[CompanyRecord], encoder: str = DEFAULT_ENCODER, head_backend: str = "auto",
                      revision: str = "6", package_root: Path = PACKAGE_ROOT,
                      taxonomy_dir: Path = TAXONOMY_DIR) -> str:
    """``<encoder>-<revision>-n<records>-<key>``: the cache folder of a model fitted on ``records`` with these
    settings by the code under ``package_root`` and the data under ``taxonomy_dir``."""
    inputs = fitting_inputs_hash(revision, package_root, taxonomy_dir)
    key = hashlib.sha256(f"{encoder}|{head_backend}|{revision}|{_records_hash(records)}|{inputs}".encode())
    return f"{encoder}-{revision}-n{len(records)}-{key.hexdigest()[:12]}"


def train_or_load(records: list[CompanyRecord], encoder: str = DEFAULT_ENCODER, head_backend: str = "auto",
                  revision: str = "6", cache_root: Path | None = None) -> Recommender:
    """A recommender fitted on ``records``: loaded from the analysis cache when the same data, encoder and
    fitting code and data were trained before, otherwise fitted and cached (written atomically)."""
    cache_root = Path(cache_root or ANALYSIS_DIR)
    folder = cache_root / cache_folder_name(records, encoder, head_backend, revision)
    if (folder / "manifest.json").exists():
        try:
            return Recommender.load(folder)
        except (ValueError, KeyError, OSError):
            shutil.rmtree(folder, ignore_errors=True)
    rec = Recommender(encoder=encoder, head_backend=head_backend, revision=revision).fit(records)
    cache_root.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{folder.name}.", dir=cache_root))
    try:
        rec.save(tmp)
        try:
            os.replace(tmp, folder)
        except OSError:  # another process cached the same model first
            pass
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    for stale in cache_root.glob(f"{encoder}-{revision}-n{len(records)}-*"):  # superseded by data/code changes
        if stale != folder and stale.is_dir():
            shutil.rmtree(stale, ignore_errors=True)
    return rec


__all__ = ["ANALYSIS_DIR", "FITTING_PACKAGES", "PACKAGE_ROOT", "cache_folder_name", "fitting_inputs_hash",
           "taxonomy_data_files", "train_or_load"]
