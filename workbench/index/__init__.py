"""Nearest-neighbour indexes (hnswlib, cosine)."""
from workbench.index.hnsw import HnswIndex

__all__ = ["HnswIndex"]
