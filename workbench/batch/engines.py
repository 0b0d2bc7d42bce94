"""Where batch chunks are scored: in this process, or on Dask workers (a LocalCluster or a real cluster).

Both engines score the same chunks with the same function (:func:`workbench.batch.rows.score_chunk`)
and hand results back in input order, so their output files are identical. On Dask each worker loads the
model once: a worker plugin (:class:`ModelPreload`) loads it when the worker joins (failing early when the
model folder is not readable there) into a per-process cache keyed by model folder, which every task uses.
"""
from __future__ import annotations

import hashlib
import threading
from collections import deque
from collections.abc import Iterable, Iterator
from itertools import islice
from pathlib import Path

from workbench.batch.rows import PreparedRow, score_chunk

_models: dict[str, object] = {}
_models_lock = threading.Lock()
load_count = 0  # models loaded by this process (a worker loads each model folder once)


def load_model(model_dir: str | Path):
    """The recommender of ``model_dir``, loaded once per process (thread-safe)."""
    global load_count
    from workbench.recommend.recommender import Recommender

    key = str(Path(model_dir).resolve())
    with _models_lock:
        if key not in _models:
            _models[key] = Recommender.load(key)
            load_count += 1
        return _models[key]


def warm_up(model) -> None:
    """One throw-away recommendation: loads the encoder weights and the keyword tokenizer before real work."""
    from workbench.schema.record import CompanyRecord

    model.recommend(CompanyRecord(main_product="리튬이온 배터리 양극재", product_use="전기차 배터리"))


def score_task(model_dir: str, rows: list[PreparedRow]) -> list[dict]:
    """One partition of rows, scored on whichever process runs it."""
    return score_chunk(load_model(model_dir), rows)


def process_load_count() -> int:
    return load_count


class LocalEngine:
    name = "local"

    def __init__(self, model_dir: str | Path):
        self.model_dir = str(model_dir)

    def __enter__(self) -> "LocalEngine":
        load_model(self.model_dir)
        return self

    def __exit__(self, *exc) -> None:
        pass

    def map(self, chunks: Iterable[list[PreparedRow]]) -> Iterator[list[dict]]:
        model = load_model(self.model_dir)
        for chunk in chunks:
            yield score_chunk(model, chunk)


try:
    from distributed.diagnostics.plugin import WorkerPlugin
except ImportError:  # pragma: no cover - distributed is a dependency; keep the local engine importable
    WorkerPlugin = object


class ModelPreload(WorkerPlugin):
    """Loads the model on every worker when it starts or joins (errors surface in ``register_plugin``)."""

    def __init__(self, model_dir: str):
        self.model_dir = model_dir
        self.name = "workbench-model-" + hashlib.sha1(model_dir.encode()).hexdigest()[:10]

    def setup(self, worker) -> None:
        warm_up(load_model(self.model_dir))


class DaskEngine:
    """Chunks mapped on Dask workers, results yielded in input order.

    ``scheduler``: address of a running scheduler (``tcp://host:8786``); without it a LocalCluster of
    ``workers`` worker processes (one thread each) is started and closed with the engine.
    ``worker_model_dir``: the model folder as the workers see it (a shared mount may have another path).
    At most ``window`` chunks are in flight, so memory stays bounded on long files.
    """

    name = "dask"

    def __init__(self, model_dir: str | Path, scheduler: str | None = None, workers: int = 2,
                 processes: bool = True, threads_per_worker: int = 1, worker_model_dir: str | None = None,
                 window: int | None = None):
        self.model_dir = str(worker_model_dir or model_dir)
        self.scheduler = scheduler
        self.workers = workers
        self.processes = processes
        self.threads_per_worker = threads_per_worker
        self.window = window
        self.cluster = None
        self.client = None

    def __enter__(self) -> "DaskEngine":
        from distributed import Client, LocalCluster

        if self.scheduler:
            self.client = Client(self.scheduler)
        else:
            self.cluster = LocalCluster(n_workers=self.workers, threads_per_worker=self.threads_per_worker,
                                        processes=self.processes, dashboard_address=None)
            self.client = Client(self.cluster)
        try:
            self.client.register_plugin(ModelPreload(self.model_dir))
        except BaseException:
            self.__exit__()
            raise
        return self

    def __exit__(self, *exc) -> None:
        if self.client is not None:
            self.client.close()
        if self.cluster is not None:
            self.cluster.close()
        self.client = self.cluster = None

    def n_threads(self) -> int:
        return max(1, sum(self.client.nthreads().values()))

    def map(self, chunks: Iterable[list[PreparedRow]]) -> Iterator[list[dict]]:
        window = self.window or 2 * self.n_threads()
        it = iter(chunks)
        pending = deque(self.client.submit(score_task, self.model_dir, c, pure=False) for c in islice(it, window))
        while pending:
            result = pending.popleft().result()
            nxt = next(it, None)
            if nxt is not None:
                pending.append(self.client.submit(score_task, self.model_dir, nxt, pure=False))
            yield result


def make_engine(name: str, model_dir: str | Path, *, scheduler: str | None = None, workers: int = 2,
                processes: bool = True, worker_model_dir: str | None = None):
    if name == "local":
        return LocalEngine(model_dir)
    if name == "dask":
        return DaskEngine(model_dir, scheduler=scheduler, workers=workers, processes=processes,
                          worker_model_dir=worker_model_dir)
    raise ValueError(f"unknown engine {name!r}; expected 'local' or 'dask'")


__all__ = ["DaskEngine", "LocalEngine", "ModelPreload", "load_model", "make_engine",
           "score_task"]
