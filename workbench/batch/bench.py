"""Rows/s of the single-process engine against a Dask LocalCluster on the same rows (a benchmark that prints
figures; see docs/batch.md)."""
from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path

from workbench.batch.classify import classify_file
from workbench.batch.engines import ModelPreload, load_model, warm_up
from workbench.schema.ingest import read_table


def benchmark_engines(model_dir: str | Path, input_path: str | Path, n_rows: int = 1000, workers: int = 2,
                      chunk_size: int = 50, processes: bool = True, out_dir: str | Path | None = None,
                      verbose: bool = True) -> dict:
    """Rows/s of the single-process engine and of a LocalCluster of ``workers`` workers on the first
    ``n_rows`` rows of ``input_path``. The cluster figure is given with and without its start-up (starting
    worker processes and loading the model in each). Prints the figures and returns them."""
    from distributed import Client, LocalCluster

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
