"""`workbench bench`: figures measured side by side in one run, printed and written to reports/bench.json.

- single recommendation (with rationale) vs a bare encoder call on the same text, alternated, p50/p95;
- batch scoring vs bare batch encoding of the same texts (rows/s);
- training on the 10,000 records with a cold and a warm embedding cache, each in a fresh process (peak RSS);
- start-up: a fresh process until a loaded recommender has answered once.
"""
from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from workbench.config import SYNTH_DIR
from workbench.recommend.text import compose
from workbench.schema.ingest import read_records

CHILD = """
import json, resource, sys, time
t0 = time.perf_counter()
{body}
print(json.dumps({{"seconds": time.perf_counter() - t0,
                  "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, **extra}}))
"""
TRAIN_BODY = """
import os
from workbench.schema.ingest import read_records
from workbench.recommend.recommender import Recommender
records = read_records({data!r}, require_label=True).records
rec = Recommender(encoder={encoder!r}).fit(records)
rec.save({out!r})
extra = {{"n_train": len(records)}}
"""
STARTUP_BODY = """
from workbench.recommend.recommender import Recommender
from workbench.schema.record import CompanyRecord
rec = Recommender.load({model!r})
rec.recommend(CompanyRecord(main_product="리튬이온 배터리 양극재", product_use="전기차 배터리용"))
extra = {{}}
"""


def _child(body: str, env: dict[str, str] | None = None) -> dict:
    import os

    proc = subprocess.run([sys.executable, "-c", CHILD.format(body=body)], capture_output=True, text=True,
                          env={**os.environ, **(env or {})}, check=False)
    if proc.returncode != 0:
        raise RuntimeError(f"benchmark child failed:\n{proc.stderr[-2000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def _pct(values: list[float], q: float) -> float:
    return float(np.percentile(np.array(values) * 1000, q))


def run_bench(encoder: str = "e5", out: Path = Path("reports/bench.json"), n_single: int = 100,
              n_batch: int = 1000, data: Path = SYNTH_DIR, model: Path | None = None) -> dict:
    """``model``: time that trained model and skip the two training runs (their figures are then None)."""
    from workbench.recommend.recommender import Recommender

    work = Path(tempfile.mkdtemp(prefix="wb-bench-"))
    train_path, test_path = data / "synthetic_train.csv", data / "synthetic_test.csv"
    skipped = {"seconds": None, "peak_rss_mb": None, "n_train": None}
    if model is None:
        model = work / "model"
        fresh_cache = {"WORKBENCH_CACHE_DIR": str(work / "cache")}  # empty at first: cold (no vectors, no tuned
        # encoder); filled by it: warm
        cold = _child(TRAIN_BODY.format(data=str(train_path), encoder=encoder, out=str(model)), env=fresh_cache)
        warm = _child(TRAIN_BODY.format(data=str(train_path), encoder=encoder, out=str(model)), env=fresh_cache)
    else:
        cold = warm = skipped
    startup = _child(STARTUP_BODY.format(model=str(model)))

    rec = Recommender.load(model)
    bare = getattr(rec.encoder_, "encoder", rec.encoder_)  # the encoder without its disk cache
    test = read_records(test_path, require_label=True).records
    single = test[:n_single]
    rec.recommend(single[0]), bare.encode([compose(single[0]).text])  # warm-up
    t_rec, t_enc = [], []
    for r in single:
        text = compose(r).text
        t = time.perf_counter(); bare.encode([text]); t_enc.append(time.perf_counter() - t)
        t = time.perf_counter(); rec.recommend(r); t_rec.append(time.perf_counter() - t)
    batch = test[:n_batch]
    texts = [compose(r).text for r in batch]
    t = time.perf_counter(); bare.encode(texts, batch_size=32); enc_s = time.perf_counter() - t
    t = time.perf_counter(); rec.recommend_batch(batch, batch_size=32); rec_s = time.perf_counter() - t

    result = {
        "encoder": rec.encoder_.id, "n_single": len(single), "n_batch": len(batch),
        "latency_p50_ms": _pct(t_rec, 50), "latency_p95_ms": _pct(t_rec, 95),
        "encode_p50_ms": _pct(t_enc, 50), "encode_p95_ms": _pct(t_enc, 95),
        "latency_p50_ratio_vs_encode": _pct(t_rec, 50) / _pct(t_enc, 50),
        "batch_rows_per_s": len(batch) / rec_s, "encode_rows_per_s": len(batch) / enc_s,
        "batch_ratio_vs_encode": enc_s / rec_s,
        "train_cold_s": cold["seconds"], "train_warm_s": warm["seconds"],
        "train_cold_peak_rss_mb": cold["peak_rss_mb"], "train_warm_peak_rss_mb": warm["peak_rss_mb"],
        "peak_rss_mb": max(cold["peak_rss_mb"], warm["peak_rss_mb"]) if cold["seconds"] else None,
        "n_train": cold["n_train"],
        "startup_s": startup["seconds"], "startup_peak_rss_mb": startup["peak_rss_mb"],
    }
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=1), encoding="utf-8")
    for k, v in result.items():
        print(f"{k:32s} {v:.3f}" if isinstance(v, float) else f"{k:32s} {v if v is not None else 'skipped'}")
    return result
