"""ChromaStore on disk: calls batched under SQLite's variable limit and Chroma's batch size; where vectors live."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from core.errors import UpstreamError
from core.index.store import ChromaStore, ServerLocation, attach_server, detach_server, read_server

MANY = 41_000  # over SQLite's 32,766 variables and seven times Chroma's max batch size (5,461)


def unit_vectors(n: int, dim: int = 2) -> np.ndarray:
    angles = np.linspace(0, np.pi / 2, n, dtype=np.float32)
    return np.stack([np.cos(angles), np.sin(angles)], axis=1)[:, :dim]


@pytest.fixture(scope="module")
def large_store(tmp_path_factory: pytest.TempPathFactory) -> tuple[ChromaStore, list[str]]:
    """A real embedded store holding MANY chunks of 2-dimensional vectors, written in one upsert call."""
    store = ChromaStore(tmp_path_factory.mktemp("large") / "chroma", create=True)
    ids = [f"van-ban-{n // 100}:abcdef123456p4:{n % 100:04d}" for n in range(MANY)]
    metadatas = [{"doc_id": f"van-ban-{n // 100}", "position": n % 100} for n in range(MANY)]
    store.upsert(ids, unit_vectors(MANY), [""] * MANY, metadatas)
    return store, ids


def test_upsert_many_ids_one_call_all_stored(large_store: tuple[ChromaStore, list[str]]) -> None:
    store, ids = large_store
    assert store.count() == MANY


def test_existing_many_ids_no_sql_variable_error(large_store: tuple[ChromaStore, list[str]]) -> None:
    store, ids = large_store
    assert store.existing([*ids, "khong-co"]) == set(ids)


def test_all_ids_paged_complete(large_store: tuple[ChromaStore, list[str]]) -> None:
    store, ids = large_store
    listed = store.all_ids()
    assert len(listed) == MANY and set(listed) == set(ids)


def test_query_filter_on_many_documents_merges_groups(large_store: tuple[ChromaStore, list[str]]) -> None:
    store, ids = large_store
    vectors = unit_vectors(MANY)
    wanted = [f"van-ban-{n}" for n in range(0, 410, 2)] + [f"khong-co-{n}" for n in range(40_000)]

    nearest = store.query(vectors[MANY - 1], 3, wanted)  # the last chunk's document is van-ban-409: odd, left out

    assert [cid.split(":")[0] for cid, _ in nearest] == ["van-ban-408"] * 3
    assert [score for _, score in nearest] == sorted((score for _, score in nearest), reverse=True)


def test_delete_more_than_a_batch_leaves_the_rest(large_store: tuple[ChromaStore, list[str]]) -> None:
    store, ids = large_store
    store.delete(ids[:6000])  # more than Chroma takes in one call
    assert store.count() == MANY - 6000 and not store.existing(ids[:6000])


def test_server_pointer_round_trip_and_detach(tmp_path: Path) -> None:
    chroma = tmp_path / "index" / "chroma"
    assert read_server(chroma) is None  # embedded: nothing says otherwise

    location = attach_server(chroma, "http://127.0.0.1:8001/")

    assert location.url == "http://127.0.0.1:8001" and location.collection.startswith("index-")
    assert read_server(chroma) == location
    assert attach_server(chroma, "http://127.0.0.1:8001").collection != location.collection  # one per index build
    detach_server(chroma)
    assert read_server(chroma) is None


def test_store_of_index_whose_server_is_down_says_how_to_start_it(tmp_path: Path) -> None:
    from tests.conftest import free_port

    chroma = tmp_path / "chroma"
    attach_server(chroma, f"http://127.0.0.1:{free_port()}")

    with pytest.raises(UpstreamError) as info:
        ChromaStore(chroma)

    assert "does not answer" in info.value.message_en and "make chroma" in info.value.message_en
    assert isinstance(read_server(chroma), ServerLocation) and not (chroma / "chroma.sqlite3").exists()
