"""The handbook's HTTP face over a real index on disk: /api/documents (search, facets, paging, 422), one document
with sections and relations, /related, the pages, and the handbook links of cited passages."""

from __future__ import annotations

import itertools
import json
import re
from collections.abc import Callable, Iterator
from urllib.parse import unquote, urlsplit

import pytest
from fastapi.testclient import TestClient

from assistant.api import pages
from assistant.api.app import create_app
from core.config import Settings
from tests.assistant.handbook.conftest import KH3260, NQ57, QD15, QD80

pytestmark = pytest.mark.slow

PLAN_QUESTION = "Kế hoạch 3260-KH/ĐĐQH15 giao Đảng đoàn Quốc hội nhiệm vụ gì về rà soát pháp luật?"


@pytest.fixture(scope="module")
def client(handbook_settings_for: Callable[..., Settings]) -> Iterator[TestClient]:
    with TestClient(create_app(handbook_settings_for())) as client:
        yield client


def listed(client: TestClient, **params: object) -> dict:
    response = client.get("/api/documents", params=params)
    assert response.status_code == 200, response.text
    return response.json()


def test_documents_list_all_without_params_with_facets_and_links(client: TestClient) -> None:
    body = listed(client)
    assert body["total"] == 9 and len(body["documents"]) == 9 and body["limit"] is None
    assert [d["id"] for d in body["documents"]] == sorted(d["id"] for d in body["documents"])  # the order it had
    by_id = {d["id"]: d for d in body["documents"]}
    assert (by_id[NQ57]["kind"], by_id[NQ57]["number"], by_id[NQ57]["date"]) == ("nghị quyết", "57-NQ/TW", "2024-12-22")
    assert (by_id[QD80]["number"], by_id[QD80]["date"]) == ("80/2025/QĐ-UBND", "2025-11-24")
    assert by_id[KH3260]["handbook_url"] == f"/so-tay/{KH3260}"
    assert {f for f, values in body["facets"].items() if values} == {"kind", "issuer", "year", "place"}


@pytest.mark.parametrize("q", ["nghi quyet 57", "NQ57", "57-nq/tw", "nghi quyet so 57"])
def test_documents_search_number_typed_without_diacritics(client: TestClient, q: str) -> None:
    found = [d["id"] for d in listed(client, q=q)["documents"]]
    assert found[:3] == [NQ57, KH3260, "003_b436451e5e958d0f"]


def test_documents_facet_filter_and_counts(client: TestClient) -> None:
    body = listed(client, kind="quyết định", sort="newest")
    assert [d["id"] for d in body["documents"]] == [QD80, QD15]
    counts = {v["value"]: v["count"] for v in body["facets"]["kind"]}
    assert counts["quyết định"] == 2 and counts["tin hội nghị"] == 5  # the facet's own choice left out of its counts
    both = listed(client, kind=["quyết định", "kế hoạch"], year="2025", issuer="Đảng đoàn Quốc hội")
    assert [d["id"] for d in both["documents"]] == [KH3260] and both["total"] == 1


def test_documents_pages_are_stable_and_cover_everything_once(client: TestClient) -> None:
    whole = [d["id"] for d in listed(client, sort="newest")["documents"]]
    pages = [listed(client, sort="newest", limit=4, offset=offset) for offset in (0, 4, 8, 12)]
    assert [p["total"] for p in pages] == [9, 9, 9, 9]
    assert [d["id"] for p in pages for d in p["documents"]] == whole
    assert pages[3]["documents"] == []


@pytest.mark.parametrize(
    ("params", "named"),
    [({"kind": "thơ"}, "nghị quyết"), ({"year": "1999"}, "2025"), ({"issuer": "Bộ Ngoại giao"}, "Bộ Chính trị")],
)
def test_documents_unknown_facet_value_422_names_allowed_vi_en(client: TestClient, params: dict, named: str) -> None:
    response = client.get("/api/documents", params=params)
    assert response.status_code == 422
    body = response.json()
    value = next(iter(params.values()))
    assert value in body["message"] and named in body["message"] and "Giá trị cho phép" in body["message"]
    assert "allowed" in body["message_en"] and named in body["message_en"]


@pytest.mark.parametrize("params", [{"sort": "random"}, {"limit": 0}, {"limit": 501}, {"offset": -1}])
def test_documents_bad_paging_or_sort_422_names_the_field(client: TestClient, params: dict) -> None:
    response = client.get("/api/documents", params=params)
    assert response.status_code == 422 and f"`{next(iter(params))}`" in response.json()["message"]


def test_document_detail_sections_passages_related(client: TestClient) -> None:
    body = client.get(f"/api/documents/{NQ57}").json()
    text, passages = body["text"], body["passages"]
    assert passages and all(0 <= p["start"] < p["end"] <= len(text) for p in passages)
    starts = {p["start"] for p in passages}
    assert all(s["start"] in starts for s in body["sections"])
    assert "iii" in {s["anchor"] for s in body["sections"]}
    related = {(g["relation"], g["direction"]): g for g in body["related"]}
    assert [i["doc_id"] for i in related["implements", "in"]["items"]] == [KH3260]
    assert related["implements", "in"]["label"] == "Văn bản thực hiện"
    assert related["implements", "in"]["items"][0]["handbook_url"] == f"/so-tay/{KH3260}"


def test_document_related_replaced_by_and_missing_listed(client: TestClient) -> None:
    body = client.get(f"/api/documents/{QD15}/related").json()
    assert [(g["relation"], g["direction"], [i["doc_id"] for i in g["items"]]) for g in body["related"]] == [
        ("replaces", "in", [QD80])
    ]
    repealing = client.get(f"/api/documents/{QD80}/related").json()
    missing = [i for g in repealing["related"] for i in g["items"] if not i["in_collection"]]
    assert missing and all(i["note"] == "chưa có trong kho" and i["handbook_url"] is None for i in missing)


def test_document_related_timeline_of_the_family(client: TestClient) -> None:
    timeline = client.get(f"/api/documents/{NQ57}/related").json()["timeline"]
    assert [e["doc_id"] for e in timeline[:2]] == [NQ57, KH3260]
    assert [e["date"] for e in timeline] == sorted(e["date"] for e in timeline)


def test_document_unknown_404_vi_en(client: TestClient) -> None:
    for path in ("/api/documents/khong-co", "/api/documents/khong-co/related"):
        response = client.get(path)
        assert response.status_code == 404 and "khong-co" in response.json()["message"]


def assert_lands_on_its_section(client: TestClient, source: dict, prefix: str = "") -> None:
    """The source's handbook_url is its document's page, its exact span, the anchor of its section."""
    url = urlsplit(source["handbook_url"])
    assert url.path == f"{prefix}/so-tay/{source['doc_id']}"
    assert url.query == f"doan={source['start']}-{source['end']}"
    detail = client.get(f"/api/documents/{source['doc_id']}").json()
    (passage,) = [p for p in detail["passages"] if (p["start"], p["end"]) == (source["start"], source["end"])]
    assert unquote(url.fragment) == passage["anchor"] and passage["section"] == source["section"]
    section = next(s for s in detail["sections"] if s["anchor"] == passage["anchor"])
    assert section["start"] <= source["start"] and section["path"].endswith(source["section"])


def test_chat_sources_link_to_their_section_in_the_handbook(client: TestClient) -> None:
    body = client.post("/api/chat", json={"question": PLAN_QUESTION}).json()
    assert body["sources"]
    for source in body["sources"]:
        assert_lands_on_its_section(client, source)


def test_chat_stream_final_and_search_carry_the_links_too(client: TestClient) -> None:
    with client.stream("POST", "/api/chat/stream", json={"question": PLAN_QUESTION}) as response:
        events = "".join(response.iter_text())
    final = json.loads(re.search(r"event: final\ndata: (.*)\n", events).group(1))  # type: ignore[union-attr]
    assert all(s["handbook_url"].startswith("/so-tay/") for s in final["sources"])
    results = client.get("/api/search", params={"q": "rà soát pháp luật khoa học công nghệ", "k": 3}).json()["results"]
    for source in results:
        assert_lands_on_its_section(client, source)


def test_links_absolute_with_a_public_base_url(handbook_settings_for: Callable[..., Settings]) -> None:
    settings = handbook_settings_for(public_base_url="https://tro-ly.tinh.gov.vn/hoi-dap/")
    with TestClient(create_app(settings)) as client:
        source = client.post("/api/chat", json={"question": PLAN_QUESTION}).json()["sources"][0]
        assert source["handbook_url"].startswith(f"https://tro-ly.tinh.gov.vn/hoi-dap/so-tay/{source['doc_id']}?doan=")
        assert_lands_on_its_section(client, source, prefix="/hoi-dap")
        doc = client.get("/api/documents", params={"limit": 1}).json()["documents"][0]
        assert doc["handbook_url"] == f"https://tro-ly.tinh.gov.vn/hoi-dap/so-tay/{doc['id']}"


def test_pages_served_under_csp_script_from_this_origin(client: TestClient) -> None:
    for path in ("/so-tay", f"/so-tay/{NQ57}", "/so-tay/khong-co"):
        page = client.get(path)
        assert page.status_code == 200 and "Sổ tay điện tử" in page.text
        assert "script-src 'self';" in page.headers["content-security-policy"]
        assert '<script src="/so-tay.js" data-api="" data-root="" defer>' in page.text
        assert "{{" not in page.text and "http://" not in page.text and "https://" not in page.text
    script = client.get("/so-tay.js")
    assert script.status_code == 200 and script.headers["content-type"].startswith("application/javascript")
    assert not pages.INCLUDE.search(script.text) and script.text.count("function formatDate(") == 1
    for text, sink in itertools.product((script.text,), ("innerHTML", "outerHTML", "insertAdjacentHTML", "eval(")):
        assert sink not in text


def test_pages_behind_a_path_prefix_load_from_it(handbook_settings_for: Callable[..., Settings]) -> None:
    with TestClient(create_app(handbook_settings_for()), root_path="/hoi-dap") as client:
        page = client.get(f"/so-tay/{NQ57}").text
    assert '<script src="/hoi-dap/so-tay.js" data-api="/hoi-dap" data-root="/hoi-dap" defer>' in page
    assert 'href="/hoi-dap/so-tay"' in page


def test_catalog_built_once_per_generation(client: TestClient) -> None:
    client.get("/api/documents")
    first = client.app.state.handbook_catalog[1]  # type: ignore[attr-defined]
    client.get(f"/api/documents/{NQ57}")
    assert client.app.state.handbook_catalog[1] is first  # type: ignore[attr-defined]
