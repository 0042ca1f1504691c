"""Request and response models of the admin API (/api/admin/*)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from assistant.api.schemas import FeedbackItem


class SkippedFile(BaseModel):
    source: str = Field(description="path relative to the documents folder")
    reason: str = Field(description="why it was not ingested, with the limit it passed")


class IngestSummary(BaseModel):
    documents: int
    added: int
    updated: int
    removed: int
    unchanged: int
    chunks: int
    chunks_embedded: int = Field(description="passages the embedder read in this run")
    cache_hits: int = Field(default=0, description="passages whose vectors came from the embedding cache")
    seconds: float
    skipped: list[SkippedFile]


class JobModel(BaseModel):
    id: str
    kind: Literal["upload", "delete", "ingest", "rebuild"]
    state: Literal["queued", "running", "done", "failed"]
    files: list[str] = Field(description="the files uploaded or deleted")
    created: str = Field(description="UTC, ISO 8601")
    started: str | None
    finished: str | None
    done: int = Field(description="chunks embedded so far")
    total: int = Field(description="chunks to embed in this run (0 until the documents are read)")
    summary: IngestSummary | None = Field(description="once done: what changed, and the files skipped with why")
    message: str | None = Field(description="Vietnamese: why it failed, or what it waits for")
    message_en: str | None
    generation: int | None = Field(description="the index generation served once the job finished")


class JobList(BaseModel):
    jobs: list[JobModel]


class SavedFile(BaseModel):
    name: str = Field(description="the name stored in the documents folder (NFC)")
    bytes: int
    replaced: bool = Field(description="a file of that name was there: this is its new version")
    doc_id: str | None = Field(description="the id the document will have in /api/documents")


class UploadAccepted(BaseModel):
    files: list[SavedFile]
    job: JobModel


class DeleteAccepted(BaseModel):
    doc_id: str
    source: str = Field(description="the file removed, relative to the documents folder")
    job: JobModel


class IngestRequest(BaseModel):
    rebuild: bool = Field(default=False, strict=True, description="throw the index away and embed every document again")


class RatingCounts(BaseModel):
    down: int
    up: int


class AdminFeedbackPage(BaseModel):
    items: list[FeedbackItem] = Field(description="worst first: every 👎, then every 👍, each newest first")
    total: int = Field(description="rows matching the filters")
    counts: RatingCounts
