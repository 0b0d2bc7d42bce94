"""On-disk cache of sentence vectors for any :class:`Encoder` (one SQLite file per encoder id)."""
from __future__ import annotations

import hashlib
import os
import re
import sqlite3
import threading
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from workbench.config import CACHE_DIR
from workbench.encoders.base import Encoder, Kind, TokenEmbeddings, as_text_list, check_kind

_SQL_CHUNK = 500  # keys per SELECT ... IN (...)


def text_key(text: str) -> bytes:
    """The cache's key of a text (with its kind): sha256 of its UTF-8 bytes."""
    return hashlib.sha256(text.encode("utf-8")).digest()


class CachedEncoder(Encoder):
    """Wraps ``encoder``; sentence vectors are keyed by (encoder.id, kind, sha256(text)).

    The store is ``cache_dir/<encoder.id>.sqlite3`` in WAL mode, safe for several processes and
    threads. Only misses are encoded (in one call, order preserved). ``hits`` counts input texts
    served from the cache, ``misses`` counts distinct texts that had to be encoded.
    ``encode_with_tokens`` is passed through uncached.
    """

    def __init__(self, encoder: Encoder, cache_dir: str | os.PathLike = CACHE_DIR) -> None:
        if not re.fullmatch(r"[A-Za-z0-9._-]+", encoder.id):
            raise ValueError(f"encoder id {encoder.id!r} is not usable as a file name")
        self.encoder = encoder
        self.id = encoder.id
        self.dim = encoder.dim
        self.supports_tokens = encoder.supports_tokens
        self.bundle_dir = encoder.bundle_dir
        self.path = Path(cache_dir) / f"{encoder.id}.sqlite3"
        self.hits = 0
        self.misses = 0
        self._lock = threading.Lock()
        self._conn: sqlite3.Connection | None = None
        self._pid = -1
        self._connect()

    def _connect(self) -> sqlite3.Connection:
        """The connection, reopened after a fork (SQLite connections must not cross processes)."""
        if self._conn is None or self._pid != os.getpid():
            self.path.parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(self.path, timeout=60, check_same_thread=False, isolation_level=None)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            conn.execute("CREATE TABLE IF NOT EXISTS vectors (kind TEXT NOT NULL, sha256 BLOB NOT NULL, "
                         "vec BLOB NOT NULL, PRIMARY KEY (kind, sha256)) WITHOUT ROWID")
            conn.execute("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
            conn.execute("INSERT OR IGNORE INTO meta VALUES ('encoder_id', ?), ('dim', ?)",
                         (self.id, str(self.dim)))
            meta = dict(conn.execute("SELECT key, value FROM meta"))
            if meta["encoder_id"] != self.id or int(meta["dim"]) != self.dim:
                conn.close()
                raise ValueError(f"{self.path} holds vectors of {meta}, not {self.id} (dim {self.dim})")
            self._conn, self._pid = conn, os.getpid()
        return self._conn

    def _lookup(self, kind: str, keys: list[bytes]) -> dict[bytes, np.ndarray]:
        conn, found = self._connect(), {}
        for i in range(0, len(keys), _SQL_CHUNK):
            chunk = keys[i:i + _SQL_CHUNK]
            rows = conn.execute(
                f"SELECT sha256, vec FROM vectors WHERE kind = ? AND sha256 IN ({','.join('?' * len(chunk))})",
                (kind, *chunk))
            found.update((k, np.frombuffer(v, dtype="<f4")) for k, v in rows)
        return found

    def _store(self, kind: str, items: dict[bytes, np.ndarray]) -> int:
        conn = self._connect()
        with conn:  # one transaction
            conn.execute("BEGIN IMMEDIATE")
            before = conn.total_changes
            conn.executemany("INSERT OR IGNORE INTO vectors VALUES (?, ?, ?)",
                             ((kind, k, v.astype("<f4").tobytes()) for k, v in items.items()))
            return conn.total_changes - before

    def missing(self, kind: Kind, keys: Sequence[bytes]) -> int:
        """How many of ``keys`` (:func:`text_key`) the cache lacks for ``kind``; never loads the model."""
        unique = list(dict.fromkeys(keys))
        with self._lock:
            return len(unique) - len(self._lookup(check_kind(kind), unique))

    def add(self, kind: Kind, items: dict[bytes, np.ndarray]) -> int:
        """Store vectors computed elsewhere (:func:`text_key` of the text → vector); keeps existing rows, returns how many were
        new. The caller vouches that they are this encoder's vectors (see :mod:`workbench.encoders.seed`)."""
        if any(v.shape != (self.dim,) for v in items.values()):
            raise ValueError(f"vectors of {self.id} have {self.dim} dimensions")
        with self._lock:
            return self._store(check_kind(kind), items)

    def encode(self, texts: Sequence[str], kind: Kind = "query", batch_size: int = 32,
               show_progress: bool = False) -> np.ndarray:
        texts = as_text_list(texts)
        kind = check_kind(kind)
        keys = [text_key(t) for t in texts]
        with self._lock:
            found = self._lookup(kind, list(dict.fromkeys(keys)))
        missing = {k: t for k, t in zip(keys, texts) if k not in found}
        if missing:
            vecs = self.encoder.encode(list(missing.values()), kind=kind, batch_size=batch_size,
                                       show_progress=show_progress)
            new = dict(zip(missing, vecs))
            with self._lock:
                self._store(kind, new)
            found.update(new)
        with self._lock:
            self.hits += len(texts) - sum(k in missing for k in keys)
            self.misses += len(missing)
        out = np.zeros((len(texts), self.dim), np.float32)
        for i, k in enumerate(keys):
            out[i] = found[k]
        return out

    def encode_with_tokens(self, texts: Sequence[str], kind: Kind = "query"
                           ) -> tuple[np.ndarray, list[TokenEmbeddings]]:
        return self.encoder.encode_with_tokens(texts, kind)

    def close(self) -> None:
        """Close the SQLite connection (reopened on next use)."""
        with self._lock:
            if self._conn is not None and self._pid == os.getpid():
                self._conn.close()
            self._conn = None

    def __repr__(self) -> str:
        return f"CachedEncoder({self.encoder!r}, path={str(self.path)!r})"
