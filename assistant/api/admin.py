"""The admin API (/api/admin/*): documents in and out, ingest jobs, feedback. Every route needs an admin key
(`Authorization: Bearer <key>`, ASSISTANT_ADMIN_KEYS); with no key configured the whole API is off (403).

A change to the documents starts an ingest job (assistant.jobs); when it is done the server serves the new
index (LiveDeps), with no restart.
"""

from __future__ import annotations

import logging
from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Query, Request
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import StreamingResponse

from assistant.api import feedback_admin, uploads
from assistant.api.admin_schemas import (
    AdminFeedbackPage,
    DeleteAccepted,
    IngestRequest,
    JobList,
    JobModel,
    SavedFile,
    UploadAccepted,
)
from assistant.api.deps import FeedbackDep, SettingsDep, require_admin_key
from assistant.api.responses import ADMIN_KEY_ERRORS, UPLOAD_ERRORS
from assistant.api.schemas import FeedbackItem
from assistant.jobs import Job, JobRunner, JobStore
from core.errors import DocumentNotFoundError, NotFoundError, UserInputError
from ingest.pipeline import IngestLimits

logger = logging.getLogger(__name__)

UPLOAD_BODY = {
    "required": True,
    "content": {
        "multipart/form-data": {
            "schema": {
                "type": "object",
                "required": ["files"],
                "properties": {"files": {"type": "array", "items": {"type": "string", "format": "binary"}}},
            }
        }
    },
}
MAX_SEARCH_CHARS = 200

router = APIRouter(prefix="/api/admin", tags=["admin"], dependencies=[Depends(require_admin_key)])


def get_jobs(request: Request) -> JobRunner:
    return request.app.state.jobs


def get_job_store(request: Request) -> JobStore:
    return request.app.state.job_store


JobsDep = Annotated[JobRunner, Depends(get_jobs)]
JobStoreDep = Annotated[JobStore, Depends(get_job_store)]


def job_model(job: Job) -> JobModel:
    return JobModel.model_validate(job.to_dict())


def _key(request: Request) -> int:
    return int(getattr(request.state, "admin_key", 0))


@router.post(
    "/documents",
    status_code=202,
    response_model=UploadAccepted,
    responses=UPLOAD_ERRORS,
    openapi_extra={"requestBody": UPLOAD_BODY},
)
async def upload_documents(request: Request, settings: SettingsDep, jobs: JobsDep) -> UploadAccepted:
    """Save one or more files (multipart field `files`) into the documents folder and start an ingest job."""
    limit = IngestLimits.from_settings(settings).load.max_file_bytes
    try:
        async with request.form(max_files=settings.admin_max_upload_files, max_fields=20) as form:
            received = [
                uploads.Upload(value.filename or "", value.size or 0, value.file)
                for _, value in form.multi_items()
                if isinstance(value, UploadFile)
            ]
            if not received:
                raise _no_files()
            uploads.check(received, settings.documents_dir, limit)
            saved = await run_in_threadpool(uploads.save, received, settings.documents_dir)
    except StarletteHTTPException as exc:  # Starlette's 400 for a form it cannot read (too many files...)
        if exc.status_code != 400:
            raise  # e.g. 413: the body passed ASSISTANT_ADMIN_MAX_UPLOAD_MB while it came in
        raise _bad_form(str(exc.detail), settings.admin_max_upload_files) from None
    job = jobs.submit("upload", [item.name for item in saved])
    logger.info("admin key %d uploaded %s: job %s", _key(request), [item.name for item in saved], job.id)
    return UploadAccepted(files=[SavedFile.model_validate(vars(item)) for item in saved], job=job_model(job))


def _no_files() -> UserInputError:
    return UserInputError(
        "No file in the request: send multipart/form-data with one or more `files` fields.",
        "Yêu cầu không có tệp nào — hãy chọn ít nhất một tệp để tải lên.",
    )


def _bad_form(reason: str, max_files: int) -> UserInputError:
    return UserInputError(
        f"The upload could not be read ({reason}): send multipart/form-data with at most {max_files} files "
        "(ASSISTANT_ADMIN_MAX_UPLOAD_FILES) in `files` fields.",
        f"Không đọc được dữ liệu tải lên — hãy gửi tối đa {max_files} tệp mỗi lần (ASSISTANT_ADMIN_MAX_UPLOAD_FILES).",
    )


@router.delete("/documents/{doc_id}", status_code=202, response_model=DeleteAccepted, responses=ADMIN_KEY_ERRORS)
async def delete_document(doc_id: str, request: Request, settings: SettingsDep, jobs: JobsDep) -> DeleteAccepted:
    """Remove the file a document comes from and start an ingest job (which drops it from the index)."""
    documents_dir = settings.documents_dir
    path = await run_in_threadpool(uploads.document_file, documents_dir, doc_id)
    if path is None:
        raise DocumentNotFoundError(
            f"No file in the documents folder makes document {doc_id!r}: GET /api/documents lists them.",
            f"Không có tệp nào trong kho tài liệu ứng với tài liệu {doc_id!r}.",
        )
    source = path.relative_to(documents_dir).as_posix()
    await run_in_threadpool(path.unlink)
    job = jobs.submit("delete", [source])
    logger.info("admin key %d deleted %s (%s): job %s", _key(request), doc_id, source, job.id)
    return DeleteAccepted(doc_id=doc_id, source=source, job=job_model(job))


@router.post("/ingest", status_code=202, response_model=JobModel, responses=ADMIN_KEY_ERRORS)
async def start_ingest(request: Request, jobs: JobsDep, body: IngestRequest | None = None) -> JobModel:
    """Start an ingest job: new or changed files in, removed ones out; `rebuild` embeds everything anew."""
    job = jobs.submit("rebuild" if body is not None and body.rebuild else "ingest")
    logger.info("admin key %d started %s: job %s", _key(request), job.kind, job.id)
    return job_model(job)


@router.get("/jobs", response_model=JobList, responses=ADMIN_KEY_ERRORS)
async def list_jobs(store: JobStoreDep, limit: Annotated[int, Query(ge=1, le=200)] = 20) -> JobList:
    """The latest ingest jobs, newest first."""
    found = await run_in_threadpool(store.latest, limit)
    return JobList(jobs=[job_model(job) for job in found])


@router.get("/jobs/{job_id}", response_model=JobModel, responses=ADMIN_KEY_ERRORS)
async def get_job(job_id: Annotated[str, Path(max_length=40)], store: JobStoreDep) -> JobModel:
    """One job: its state, progress (chunks embedded of those to embed), summary or error."""
    job = await run_in_threadpool(store.get, job_id)
    if job is None:
        raise NotFoundError(
            f"No job {job_id!r}: GET /api/admin/jobs lists the latest.",
            f"Không có tác vụ {job_id!r}.",
        )
    return job_model(job)


def feedback_filter(
    rating: Annotated[Literal["up", "down"] | None, Query(description="only 👍 (up) or 👎 (down)")] = None,
    date_from: Annotated[date | None, Query(description="from this UTC day (YYYY-MM-DD), inclusive")] = None,
    date_to: Annotated[date | None, Query(description="to this UTC day (YYYY-MM-DD), inclusive")] = None,
    q: Annotated[str, Query(max_length=MAX_SEARCH_CHARS, description="words in the question, answer or comment")] = "",
) -> feedback_admin.FeedbackFilter:
    if date_from and date_to and date_from > date_to:
        raise UserInputError(
            f"date_from {date_from} is after date_to {date_to}: swap them.",
            "Ngày bắt đầu đang sau ngày kết thúc — hãy đổi lại.",
        )
    return feedback_admin.FeedbackFilter(rating, date_from, date_to, q.strip())


FilterDep = Annotated[feedback_admin.FeedbackFilter, Depends(feedback_filter)]


@router.get("/feedback", response_model=AdminFeedbackPage, responses=ADMIN_KEY_ERRORS)
async def admin_feedback(
    where: FilterDep,
    store: FeedbackDep,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0, le=1_000_000_000)] = 0,
) -> AdminFeedbackPage:
    """Feedback matching the filters, worst first (👎 before 👍, each newest first), with counts."""
    found: dict[str, Any] = await run_in_threadpool(feedback_admin.page, store, where, limit, offset)
    items = [FeedbackItem.model_validate(item) for item in found["items"]]
    return AdminFeedbackPage(items=items, total=found["total"], counts=found["counts"])


@router.get(
    "/feedback.csv",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/csv": {"schema": {"type": "string"}}}}, **ADMIN_KEY_ERRORS},
)
async def admin_feedback_csv(where: FilterDep, store: FeedbackDep) -> StreamingResponse:
    """The same rows as /api/admin/feedback (all of them), as CSV in UTF-8 with a BOM for Excel."""
    headers = {"Content-Disposition": 'attachment; filename="gop-y.csv"', "Cache-Control": "no-store"}
    return StreamingResponse(
        feedback_admin.csv_chunks(store, where), media_type="text/csv; charset=utf-8", headers=headers
    )
