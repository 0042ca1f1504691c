"""Document records on disk: what a record written now keeps, and what one written before a field existed loads as."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path

from core.index.layout import DocRecord, Layout, read_record, write_record
from core.index.types import Chunk, DocumentMeta


def _record() -> DocRecord:
    part = DocumentMeta(doc_id="tap", source="tap.md", title="Kết luận", kind="kết luận", number="12-KL/TW")
    part.signer = "Trần Thị Hoa"
    meta = DocumentMeta(doc_id="tap", source="tap.md", title="Nghị quyết", number="40-NQ/TW", parts=["a", "b"])
    meta.part_headers = [DocumentMeta(doc_id="tap", source="tap.md", title="Nghị quyết"), part]
    return DocRecord(meta, "văn bản", [Chunk("tap:0", "tap", 0, "văn bản", 0, 7)])


def test_part_headers_are_read_back_as_document_metadata(tmp_path: Path) -> None:
    write_record(tmp_path, "tap", _record())
    meta = read_record(tmp_path, "tap").meta
    assert [type(p) for p in meta.part_headers] == [DocumentMeta, DocumentMeta]
    assert (meta.part_headers[1].number, meta.part_headers[1].signer) == ("12-KL/TW", "Trần Thị Hoa")


def test_a_record_written_before_part_headers_loads_with_none(tmp_path: Path) -> None:
    data = asdict(_record())
    del data["meta"]["part_headers"]
    Layout(tmp_path).docs.mkdir(parents=True)
    Layout(tmp_path).record("tap").write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    assert read_record(tmp_path, "tap").meta.part_headers == []
