"""Where batch chunks are scored: in this process, or on Dask workers (a LocalCluster or a real cluster).

Both engines score the same chunks with the same function (:func:`workbench.batch.classify.score_chunk`)
and hand results back in input order, so their output files are identical. On Dask each worker loads the
model once: a worker plugin (:class:`ModelPreload`) loads it when the worker joins (failing early when the
model folder is not readable there) into a per-process cache keyed by model folder, which every task uses.
"""
from __future__ import annotations

import hashlib
import os
import tempfile
import threading
import time
from collections import deque
from collections.abc import Iterable, Iterator
from itertools import islice
from pathlib import Path

from workbench.batch.classify import PreparedRow, score_chunk

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


def benchmark_engines(model_dir: str | Path, input_path: str | Path, n_rows: int = 1000, workers: int = 2,
                      chunk_size: int = 50, processes: bool = True, out_dir: str | Path | None = None,
                      verbose: bool = True) -> dict:
    """Rows/s of the single-process engine and of a LocalCluster of ``workers`` workers on the first
    ``n_rows`` rows of ``input_path``. The cluster figure is given with and without its start-up (starting
    worker processes and loading the model in each). Prints the figures and returns them."""
    from distributed import Client, LocalCluster

    from workbench.batch.classify import classify_file
    from workbench.schema.ingest import read_table

    warm_up(load_model(model_dir))  # the single-process figure excludes loading, like the warm cluster figure
    with tempfile.TemporaryDirectory(dir=out_dir) as tmp:
        tmp = Path(tmp)
        src = tmp / "input.csv"
        read_table(input_path).head(n_rows).to_csv(src, index=False, encoding="utf-8-sig")
        n = min(n_rows, len(read_table(src)))
        figures: dict = {"rows": n, "chunk_size": chunk_size, "workers": workers, "cpu_count": os.cpu_count()}

        t = time.perf_counter()
        classify_file(src, tmp / "local.csv", model_dir=model_dir, engine="local", chunk_size=chunk_size,
                      show_progress=False)
        figures["local_s"] = time.perf_counter() - t

        t = time.perf_counter()
        cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=processes, dashboard_address=None)
        client = Client(cluster)
        try:
            client.register_plugin(ModelPreload(str(model_dir)))
            figures["dask_startup_s"] = time.perf_counter() - t
            t2 = time.perf_counter()
            classify_file(src, tmp / "dask.csv", model_dir=model_dir, engine="dask", scheduler=cluster.scheduler_address,
                          chunk_size=chunk_size, show_progress=False)
            figures["dask_s"] = time.perf_counter() - t2
        finally:
            client.close()
            cluster.close()
        figures["identical_output"] = (tmp / "local.csv").read_bytes() == (tmp / "dask.csv").read_bytes()
    figures["local_rows_per_s"] = n / figures["local_s"]
    figures["dask_rows_per_s"] = n / figures["dask_s"]
    figures["dask_rows_per_s_with_startup"] = n / (figures["dask_s"] + figures["dask_startup_s"])
    if verbose:
        print(f"{n} rows, chunk {chunk_size}, {os.cpu_count()} CPU cores")
        print(f"  single process        : {figures['local_s']:7.1f} s  {figures['local_rows_per_s']:6.1f} rows/s")
        print(f"  LocalCluster x{workers} (warm): {figures['dask_s']:7.1f} s  {figures['dask_rows_per_s']:6.1f} rows/s")
        print(f"  LocalCluster x{workers} (+start {figures['dask_startup_s']:.1f} s): "
              f"{figures['dask_rows_per_s_with_startup']:6.1f} rows/s")
        print(f"  identical output      : {figures['identical_output']}")
    return figures


__all__ = ["DaskEngine", "LocalEngine", "ModelPreload", "benchmark_engines", "load_model", "make_engine",
           "score_task"]
