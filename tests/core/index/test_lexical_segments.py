"""The segmented lexical index: an update scores as a fresh build over the same live chunks, and reuses files."""

from __future__ import annotations

import os
from pathlib import Path

import bm25s
import numpy as np
import pytest

from core.index.embedcache import text_sha
from core.index.lexical import MAX_SEGMENTS, LexicalIndex, accented_tokens
from core.vntext import fold

TEXTS = [
    "Nghị quyết số 57-NQ/TW về đột phá phát triển khoa học, công nghệ, đổi mới sáng tạo và chuyển đổi số.",
    "Kế hoạch số 02-KH/BCĐTW của Ban Chỉ đạo Trung ương về thúc đẩy chuyển đổi số trong cơ quan Đảng.",
    "Tỉnh Gia Lai rà soát, triển khai các nhiệm vụ của Nghị quyết 57-NQ/TW trong năm 2025.",
    "Xã Ia Ko phát động phong trào Bình dân học vụ số cho người dân và cán bộ.",
    "Sinh viên hệ chính quy cần đạt chuẩn đầu ra ngoại ngữ trước khi xét tốt nghiệp.",
    "Học phí được thu theo từng học kỳ, sinh viên nộp trễ hạn bị xử lý theo quy định.",
    "Người phạm tội chiếm đoạt di vật của tử sĩ thì bị phạt tù đến 07 năm.",
    "Ủy ban nhân dân tỉnh giao Sở Thông tin và Truyền thông chủ trì hướng dẫn chuyển đổi số.",
]
IDS = [f"c{i}" for i in range(len(TEXTS))]
QUERIES = ["nghi quyet 57", "Nghị quyết 57-NQ/TW", "chuyển đổi số Gia Lai", "hoc phi sinh vien", "phạt tù", "zzz"]


def assert_same_scores(a: LexicalIndex, b: LexicalIndex) -> None:
    assert a.chunk_ids == b.chunk_ids
    for query in QUERIES:
        np.testing.assert_allclose(a.scores(query), b.scores(query), rtol=1e-6, atol=1e-7)


def test_build_scores_equal_bm25s_lucene() -> None:
    index = LexicalIndex.build(IDS, TEXTS)
    tokens = [accented_tokens(t) for t in TEXTS]
    folded = bm25s.BM25()
    folded.index([[fold(x) for x in toks] for toks in tokens], show_progress=False)
    accented = bm25s.BM25()
    accented.index(tokens, show_progress=False)
    for query in QUERIES:
        q = accented_tokens(query)
        expected = folded.get_scores([fold(x) for x in q])
        if fold(query) != query:
            expected = 0.5 * accented.get_scores(q) + 0.5 * expected
        np.testing.assert_allclose(index.scores(query), expected, rtol=1e-5, atol=1e-6)


def test_updated_removed_and_added_scores_as_fresh_build() -> None:
    base = LexicalIndex.build(IDS[:5], TEXTS[:5])

    updated = base.updated({"c1", "c3"}, IDS[5:], TEXTS[5:])

    live = [i for i in range(len(IDS)) if IDS[i] not in {"c1", "c3"}]
    assert_same_scores(updated, LexicalIndex.build([IDS[i] for i in live], [TEXTS[i] for i in live]))
    assert updated.text_shas() == [text_sha(TEXTS[i]) for i in live]


def test_updated_chunk_added_back_after_removal_counted_once() -> None:
    base = LexicalIndex.build(IDS, TEXTS).updated({"c2"}, [], [])

    back = base.updated(set(), ["c2"], [TEXTS[2]])

    assert sorted(back.chunk_ids) == sorted(IDS) and len(back.chunk_ids) == len(IDS)
    order = [IDS.index(c) for c in back.chunk_ids]
    assert_same_scores(back, LexicalIndex.build(back.chunk_ids, [TEXTS[i] for i in order]))


def test_save_load_update_links_unchanged_segment_files(tmp_path: Path) -> None:
    LexicalIndex.build(IDS[:6], TEXTS[:6]).save(tmp_path / "lexical-1")
    first = LexicalIndex.load(tmp_path / "lexical-1")
    assert LexicalIndex.can_update(tmp_path / "lexical-1")

    first.updated({"c0"}, IDS[6:], TEXTS[6:]).save(tmp_path / "lexical-2")

    old, new = tmp_path / "lexical-1" / "seg-0", tmp_path / "lexical-2" / "seg-0"
    for path in old.iterdir():
        assert os.stat(path).st_ino == os.stat(new / path.name).st_ino  # linked, not rewritten
    expected = LexicalIndex.build(IDS[1:], TEXTS[1:])
    for path in old.iterdir():  # the previous generation is collected: the new one still reads
        path.unlink()
    loaded = LexicalIndex.load(tmp_path / "lexical-2")
    assert_same_scores(loaded, expected)
    assert loaded.text_shas() == [text_sha(t) for t in TEXTS[1:]]


def test_needs_compaction_many_removed_or_segments() -> None:
    index = LexicalIndex.build(IDS, TEXTS)
    assert not index.needs_compaction(removed=1, added=1)
    assert index.needs_compaction(removed=4, added=0)
    for i in range(MAX_SEGMENTS - 1):
        index = index.updated(set(), [f"n{i}"], ["Văn bản bổ sung số {i}."])
    assert index.needs_compaction(removed=0, added=1)


def test_load_bm25s_index_of_older_version_scores_and_not_updatable(tmp_path: Path) -> None:
    directory = tmp_path / "lexical-1"
    directory.mkdir()
    tokens = [accented_tokens(t) for t in TEXTS]
    for name, field in (("bm25_accented", tokens), ("bm25_folded", [[fold(x) for x in t] for t in tokens])):
        bm25 = bm25s.BM25()
        bm25.index(field, show_progress=False)
        bm25.save(str(directory / name))
    (directory / "chunk_ids.json").write_text('["' + '", "'.join(IDS) + '"]', encoding="utf-8")
    LexicalIndex.build(IDS, TEXTS).restorer.save(directory / "restore.json")

    legacy = LexicalIndex.load(directory)

    assert not LexicalIndex.can_update(directory)
    assert_same_scores(legacy, LexicalIndex.build(IDS, TEXTS))


@pytest.mark.parametrize("query", ["", "?!"])
def test_updated_empty_query_zero_scores(query: str) -> None:
    index = LexicalIndex.build(IDS, TEXTS).updated({"c0"}, [], [])
    scores = index.scores(query)
    assert scores.shape == (len(IDS) - 1,) and not scores.any()
