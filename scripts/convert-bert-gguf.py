#!/usr/bin/env python3
"""Converts a sentence-transformers BERT model (all-MiniLM-L6-v2) to GGUF, test tooling only.

It follows llama.cpp's own converter (convert_hf_to_gguf.py with conversion/bert.py, in the
llama.cpp that node-llama-cpp bundles) step by step, without torch or transformers, which that
script imports only to read the safetensors file and the tokenizer:
- hyperparameters as TextModel.set_gguf_parameters writes them (block count, context, embedding,
  feed-forward, heads, layer_norm_eps), plus BertModel's causal_attention False and the pooling
  type from modules.json + 1_Pooling/config.json (mean: 1);
- the vocabulary as BertModel.set_vocab does: tokens in id order (vocab.txt), CONTROL for the
  tokenizer's added special tokens, NORMAL for the rest, then the "phantom space" mapping
  (CONTROL kept, "##x" -> "x", otherwise U+2581 + token), tokenizer model "bert", pre-tokenizer
  "bert-bge" (the same uncased BERT WordPiece tokenizer as BAAI/bge-small-en-v1.5, the example
  convert_hf_to_gguf_update.py hashes for it), token_type_count from type_vocab_size, and the
  special tokens through gguf.SpecialVocab, as the converter does;
- the tensors renamed by gguf's TensorNameMap for MODEL_ARCH.BERT after BertModel.filter_tensors
  (no "bert." prefix, gamma/beta -> weight/bias, position_ids and the pooler dropped), every tensor
  kept as F32 (outtype f32), so the file is deterministic and the reference check is exact.

Usage: python3 convert-bert-gguf.py MODEL_DIR OUT.gguf   (needs the gguf and numpy packages)
"""
import json
import struct
import sys
from pathlib import Path

import gguf
import numpy as np

SAFETENSORS_DTYPES = {"F32": np.float32, "F16": np.float16, "I64": np.int64}


def read_safetensors(path: Path) -> dict:
    """name -> numpy array, read the way the format defines it (8-byte header length, JSON, data)."""
    with path.open("rb") as f:
        (header_len,) = struct.unpack("<Q", f.read(8))
        header = json.loads(f.read(header_len))
        data = f.read()
    out = {}
    for name, entry in header.items():
        if name == "__metadata__":
            continue
        start, end = entry["data_offsets"]
        dtype = SAFETENSORS_DTYPES[entry["dtype"]]
        out[name] = np.frombuffer(data[start:end], dtype=dtype).reshape(entry["shape"])
    return out


def filtered_name(name: str):
    """BertModel.filter_tensors."""
    if name.startswith("bert."):
        name = name[5:]
    if name.endswith(".gamma"):
        name = name[:-6] + ".weight"
    if name.endswith(".beta"):
        name = name[:-5] + ".bias"
    if name in ("embeddings.position_ids", "pooler.dense.weight", "pooler.dense.bias"):
        return None
    if name.startswith("cls.predictions") or name.startswith("cls.seq_relationship"):
        return None
    return name


def pooling_type(model_dir: Path):
    modules = json.loads((model_dir / "modules.json").read_text(encoding="utf-8"))
    path = next((m["path"] for m in modules if m["type"].endswith("Pooling")), None)
    if path is None:
        return None
    pooling = json.loads((model_dir / path / "config.json").read_text(encoding="utf-8"))
    if pooling.get("pooling_mode_mean_tokens"):
        return gguf.PoolingType.MEAN
    if pooling.get("pooling_mode_cls_token"):
        return gguf.PoolingType.CLS
    raise SystemExit(f"unsupported pooling in {path}/config.json")


def vocabulary(model_dir: Path, vocab_size: int):
    words = (model_dir / "vocab.txt").read_text(encoding="utf-8").split("\n")
    if words and words[-1] == "":
        words.pop()
    tokenizer = json.loads((model_dir / "tokenizer.json").read_text(encoding="utf-8"))
    special = {t["id"] for t in tokenizer.get("added_tokens", []) if t.get("special")}
    tokens, types = [], []
    for i in range(vocab_size):
        if i >= len(words):
            tokens.append(f"[PAD{i}]")
            types.append(gguf.TokenType.UNUSED)
            continue
        tok = words[i]
        kind = gguf.TokenType.CONTROL if i in special else gguf.TokenType.NORMAL
        types.append(kind)
        # The phantom-space mapping of BertModel.set_vocab.
        if kind == gguf.TokenType.CONTROL:
            tokens.append(tok)
        elif tok.startswith("##"):
            tokens.append(tok[2:])
        else:
            tokens.append("\u2581" + tok)
    return tokens, types


def main(model_dir: Path, out: Path) -> None:
    hp = json.loads((model_dir / "config.json").read_text(encoding="utf-8"))
    arch = gguf.MODEL_ARCH.BERT
    blocks = hp["num_hidden_layers"]
    writer = gguf.GGUFWriter(str(out), gguf.MODEL_ARCH_NAMES[arch])
    writer.add_type(gguf.GGUFType.MODEL)
    writer.add_name("all-MiniLM-L6-v2")
    writer.add_block_count(blocks)
    writer.add_context_length(hp["max_position_embeddings"])
    writer.add_embedding_length(hp["hidden_size"])
    writer.add_feed_forward_length(hp["intermediate_size"])
    writer.add_head_count(hp["num_attention_heads"])
    writer.add_layer_norm_eps(hp["layer_norm_eps"])
    writer.add_file_type(gguf.LlamaFileType.ALL_F32)
    writer.add_causal_attention(False)
    pooling = pooling_type(model_dir)
    if pooling is not None:
        writer.add_pooling_type(pooling)

    tokens, types = vocabulary(model_dir, hp["vocab_size"])
    writer.add_token_type_count(hp.get("type_vocab_size", 1))
    writer.add_tokenizer_model("bert")
    writer.add_tokenizer_pre("bert-bge")
    writer.add_token_list(tokens)
    writer.add_token_types(types)
    gguf.SpecialVocab(model_dir, n_vocab=len(tokens)).add_to_gguf(writer)

    names = gguf.get_tensor_name_map(arch, blocks)
    for name, data in sorted(read_safetensors(model_dir / "model.safetensors").items()):
        hf = filtered_name(name)
        if hf is None:
            continue
        new = names.get_name(hf, try_suffixes=(".weight", ".bias"))
        if new is None:
            raise SystemExit(f"cannot map tensor {name}")
        writer.add_tensor(new, data.astype(np.float32))

    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()


if __name__ == "__main__":
    if len(sys.argv) != 3:
        raise SystemExit(__doc__)
    main(Path(sys.argv[1]), Path(sys.argv[2]))
