"""Listing the collection: numbers in any typed form, words with or without diacritics, facets, sort, paging, 422."""

from __future__ import annotations

import pytest

from assistant.handbook.catalog import Catalog
from assistant.handbook.search import DocumentQuery, browse
from core.errors import UserInputError
from core.index.layout import DocRecord
from core.index.types import DocumentMeta
from tests.assistant.handbook.conftest import KH3260, NQ57, QD15, QD80, RecordsIndex


@pytest.fixture(scope="module")
def catalog(records_index: RecordsIndex) -> Catalog:
    return Catalog(records_index)


def ids(index: RecordsIndex, catalog: Catalog, **query: object) -> list[str]:
    page = browse(index, catalog, DocumentQuery(**query))
    return [d["id"] for d in page["documents"]]


def test_browse_no_query_lists_everything_by_id(records_index: RecordsIndex, catalog: Catalog) -> None:
    page = browse(records_index, catalog, DocumentQuery())
    assert page["total"] == 9 and page["sort"] == "id"
    assert [d["id"] for d in page["documents"]] == sorted(records_index.documents)


@pytest.mark.parametrize(
    "q", ["NQ57", "nq 57", "57-NQ/TW", "57-nq/tw", "nghi quyet 57", "Nghị quyết số 57", "NGHI QUYET SO 57"]
)
def test_browse_number_any_typed_form_resolution_first(records_index: RecordsIndex, catalog: Catalog, q: str) -> None:
    found = ids(records_index, catalog, q=q)
    assert found[0] == NQ57
    # then the plan that implements it, then the meeting report, then what merely cites it
    assert found[1] == KH3260 and found[2].startswith("003_")
    assert set(found[3:]) == {"000_8e8149a4b1cb9313", "001_fbc9771f2d710e29", "004_538540773102b57e"}


@pytest.mark.parametrize("q", ["80/2025/QĐ-UBND", "quyet dinh 80", "QĐ 80"])
def test_browse_number_of_a_decision(records_index: RecordsIndex, catalog: Catalog, q: str) -> None:
    assert ids(records_index, catalog, q=q) == [QD80]


def test_browse_repealed_number_finds_it_then_what_repealed_it(records_index: RecordsIndex, catalog: Catalog) -> None:
    assert ids(records_index, catalog, q="15/2025/QĐ-UBND") == [QD15, QD80]


@pytest.mark.parametrize("q", ["đột phá phát triển khoa học", "dot pha phat trien khoa hoc", "DOT PHA khoa hoc"])
def test_browse_subject_words_diacritics_optional(records_index: RecordsIndex, catalog: Catalog, q: str) -> None:
    found = ids(records_index, catalog, q=q)
    assert NQ57 in found[:2] and KH3260 in found[:2]


def test_browse_words_nothing_matches_empty(records_index: RecordsIndex, catalog: Catalog) -> None:
    page = browse(records_index, catalog, DocumentQuery(q="giá vàng SJC"))
    assert page["total"] == 0 and page["documents"] == []


def test_browse_facets_counted_and_filtered(records_index: RecordsIndex, catalog: Catalog) -> None:
    page = browse(records_index, catalog, DocumentQuery(kind=["quyết định"]))
    assert [d["id"] for d in page["documents"]] == [QD80, QD15]
    facets = page["facets"]
    kinds = {v["value"]: (v["count"], v["selected"]) for v in facets["kind"]}
    # the kind facet counts as if no kind were chosen, so another kind can be added
    assert kinds["quyết định"] == (2, True) and kinds["tin hội nghị"] == (5, False) and kinds["nghị quyết"][0] == 1
    years = [v["value"] for v in facets["year"]]
    assert years == ["2025"]  # both decisions are of 2025; years are listed newest first
    assert {v["value"] for v in facets["issuer"]} == {"Ủy ban nhân dân tỉnh Hà Tĩnh"}


def test_browse_values_of_one_facet_are_alternatives_facets_combine(records_index: RecordsIndex, catalog: Catalog):
    either = ids(records_index, catalog, kind=["quyết định", "kế hoạch"], sort="id")
    assert either == sorted([QD80, QD15, KH3260])
    assert ids(
        records_index, catalog, kind=["quyết định", "kế hoạch"], year=["2025"], issuer=["đảng đoàn quốc hội"]
    ) == [KH3260]


def test_browse_place_facet_provinces_and_any_named_place(records_index: RecordsIndex, catalog: Catalog) -> None:
    page = browse(records_index, catalog, DocumentQuery())
    places = [v["value"] for v in page["facets"]["place"]]
    assert "tỉnh Gia Lai" in places and all(p.startswith(("tỉnh ", "thành phố ")) for p in places)
    assert "004_538540773102b57e" in ids(records_index, catalog, place=["Ia Ko"])  # a commune, as chat filters take it
    assert "000_8e8149a4b1cb9313" in ids(records_index, catalog, place=["Gia Lai"])  # "tỉnh Gia Lai" matches


def test_browse_sort_by_date_of_issue(records_index: RecordsIndex, catalog: Catalog) -> None:
    newest = browse(records_index, catalog, DocumentQuery(sort="newest"))["documents"]
    dates = [d["date"] for d in newest]
    assert dates == sorted(dates, reverse=True) and newest[-1]["id"] == "002_f6b2abf78aec154f"
    oldest = ids(records_index, catalog, sort="oldest")
    assert oldest[0] == "002_f6b2abf78aec154f" and oldest[1] == NQ57  # 11/2022, then 22/12/2024


def test_browse_undated_documents_last_either_way() -> None:
    records = {
        doc_id: DocRecord(DocumentMeta(doc_id, f"{doc_id}.md", doc_id, date=date), "", [])
        for doc_id, date in [("a", None), ("b", "2025-06-30"), ("c", "2024-01"), ("d", None)]
    }
    index = RecordsIndex(records)
    catalog = Catalog(index)
    assert ids(index, catalog, sort="newest") == ["b", "c", "a", "d"]
    assert ids(index, catalog, sort="oldest") == ["c", "b", "a", "d"]


def test_browse_pages_stable_disjoint_and_complete(records_index: RecordsIndex, catalog: Catalog) -> None:
    pages = [ids(records_index, catalog, sort="newest", limit=4, offset=o) for o in (0, 4, 8)]
    assert [len(p) for p in pages] == [4, 4, 1]
    assert sum(pages, []) == ids(records_index, catalog, sort="newest")
    assert pages[0] == ids(records_index, catalog, sort="newest", limit=4, offset=0)


@pytest.mark.parametrize(
    ("query", "named", "allowed"),
    [
        (DocumentQuery(kind=["thơ"]), "loại văn bản", "nghị quyết"),
        (DocumentQuery(issuer=["Bộ Ngoại giao"]), "cơ quan ban hành", "Bộ Chính trị"),
        (DocumentQuery(year=["1999"]), "năm ban hành", "2025, 2024, 2022"),
        (DocumentQuery(place=["Sao Hỏa"]), "địa phương", "tỉnh Gia Lai"),
        (DocumentQuery(sort="ngẫu nhiên"), "cách sắp xếp", "newest"),
    ],
)
def test_browse_unknown_value_422_names_the_allowed(records_index, catalog, query, named: str, allowed: str) -> None:
    with pytest.raises(UserInputError) as caught:
        browse(records_index, catalog, query)
    error = caught.value
    assert error.status == 422
    assert named in error.message_vi and allowed in error.message_vi and "Giá trị cho phép" in error.message_vi
    assert "allowed:" in error.message_en and allowed in error.message_en


def test_browse_query_too_long_422(records_index: RecordsIndex, catalog: Catalog) -> None:
    with pytest.raises(UserInputError, match="200"):
        browse(records_index, catalog, DocumentQuery(q="x" * 201))
