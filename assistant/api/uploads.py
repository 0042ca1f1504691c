"""Documents uploaded through the admin API: names checked, sizes held to the ingest's per-file limit, each file
written into the documents folder atomically (a hidden temporary file, then a rename).

A name is refused, never rewritten: a path separator, a leading dot (hidden files, "..") or a control or
invisible character would otherwise be guessed at. Every file of a request is checked before any is written.
"""

from __future__ import annotations

import os
import shutil
import unicodedata
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from core.errors import AssistantError
from ingest.loaders import MB, SUPPORTED_SUFFIXES
from ingest.pipeline import scan_documents

MAX_NAME_BYTES = 255  # what ext4 and most file systems take for one name


class UploadRejectedError(AssistantError):
    """One or more files of an upload are refused (each named, with why); nothing was written."""

    status = 422
    code = "upload_rejected"

    def __init__(self, problems: list[tuple[str, str, str]], status: int = 422) -> None:
        vi = "; ".join(f"«{name}»: {reason_vi}" for name, reason_vi, _ in problems)
        en = "; ".join(f"{name!r}: {reason_en}" for name, _, reason_en in problems)
        super().__init__(
            f"Upload refused, nothing was saved: {en}.", f"Không nhận tệp tải lên (chưa lưu tệp nào): {vi}."
        )
        self.status = status
        self.code = "file_too_large" if status == 413 else self.code
        self.files = [{"file": name, "reason": reason_en} for name, _, reason_en in problems]

    def to_dict(self) -> dict[str, object]:
        return {**super().to_dict(), "files": self.files}


@dataclass
class Upload:
    """A file as received: its name as sent, its size, and where its bytes are."""

    name: str
    size: int
    data: BinaryIO


@dataclass
class Saved:
    name: str
    bytes: int
    replaced: bool  # a file of that name was there: the upload is its new version
    doc_id: str | None = None


def name_problem(name: str) -> tuple[str, str] | None:
    """Why a file name (already NFC) is refused, in Vietnamese and English; None when it is fine."""
    if not name:
        return "tên tệp trống", "the file name is empty"
    if any(sep in name for sep in ("/", "\\")):
        return "tên tệp không được chứa dấu / hoặc \\", "the name has a path separator (/ or \\)"
    if name.startswith("."):
        return "tên tệp không được bắt đầu bằng dấu chấm", "the name starts with a dot (hidden file, or ..)"
    if any(unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Zl", "Zp") for ch in name):
        return "tên tệp chứa ký tự điều khiển hoặc ký tự ẩn", "the name has a control or invisible character"
    if len(name.encode("utf-8")) > MAX_NAME_BYTES:
        return f"tên tệp dài quá {MAX_NAME_BYTES} byte", f"the name is longer than {MAX_NAME_BYTES} bytes"
    suffix = Path(name).suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        kinds = ", ".join(SUPPORTED_SUFFIXES)
        return f"chỉ nhận các loại tệp {kinds}", f"unsupported file type {suffix or '(none)'}: use one of {kinds}"
    return None


def clean_name(raw: str) -> str:
    """The name as it will be stored: NFC, without surrounding spaces."""
    return unicodedata.normalize("NFC", raw).strip()


def check(uploads: list[Upload], documents_dir: Path, max_file_bytes: int) -> None:
    """UploadRejectedError naming every refused file: its name, its size over the limit, a duplicate."""
    problems: list[tuple[str, str, str]] = []
    too_large: list[tuple[str, str, str]] = []
    seen: set[str] = set()
    for upload in uploads:
        name = clean_name(upload.name)
        problem = name_problem(name)
        if problem is None and name in seen:
            problem = "tên tệp bị trùng trong cùng lần tải lên", "the same name twice in one upload"
        if problem is None and (documents_dir / name).is_dir():
            problem = "trùng tên một thư mục trong kho tài liệu", "a folder of that name is in the documents folder"
        if problem is not None:
            problems.append((upload.name, *problem))
        elif upload.size == 0:
            problems.append((upload.name, "tệp rỗng", "the file is empty"))
        elif upload.size > max_file_bytes:
            size, limit = _mb(upload.size), _mb(max_file_bytes)
            too_large.append(
                (
                    upload.name,
                    f"tệp nặng {_vi(size)}, vượt giới hạn {_vi(limit)} mỗi tệp (ASSISTANT_MAX_FILE_MB)",
                    f"the file is {size}, over the {limit} limit per file (ASSISTANT_MAX_FILE_MB)",
                )
            )
        seen.add(name)
    if problems or too_large:
        raise UploadRejectedError(problems + too_large, status=413 if too_large and not problems else 422)


def save(uploads: list[Upload], documents_dir: Path) -> list[Saved]:
    """Write each file into documents_dir atomically (blocking: call from a worker thread); what was written."""
    documents_dir.mkdir(parents=True, exist_ok=True)
    saved = []
    for upload in uploads:
        name = clean_name(upload.name)
        target = documents_dir / name
        replaced = target.exists() or target.is_symlink()
        # Hidden (a leading dot): a scan by an ingest running meanwhile never picks up a half-written file.
        temporary = documents_dir / f".upload-{uuid.uuid4().hex}.part"
        try:
            with open(temporary, "xb") as out:
                upload.data.seek(0)
                shutil.copyfileobj(upload.data, out, 1024 * 1024)
                out.flush()
                os.fsync(out.fileno())
            os.replace(temporary, target)
        finally:
            temporary.unlink(missing_ok=True)
        saved.append(Saved(name, upload.size, replaced))
    ids = {source: doc_id for doc_id, (_, source) in scan_documents(documents_dir).items()}
    for item in saved:
        item.doc_id = ids.get(item.name)
    return saved


def document_file(documents_dir: Path, doc_id: str) -> Path | None:
    """The file (or link) in documents_dir that makes the document `doc_id`, or None."""
    found = scan_documents(documents_dir) if documents_dir.is_dir() else {}
    if doc_id not in found:
        return None
    real, source = found[doc_id]
    path = documents_dir / source
    if not (path.exists() or path.is_symlink()):  # stored under another Unicode form of its name (NFD)
        path = real
    return path


def _mb(size: int) -> str:
    """Megabytes, what the limit is set in; bytes below a tenth of one (as the ingest's own messages)."""
    return f"{size / MB:,.1f} MB" if size >= MB / 10 else f"{size:,} bytes"


def _vi(amount: str) -> str:
    """1,234.5 MB -> 1.234,5 MB; bytes -> byte."""
    return amount.replace(",", "\0").replace(".", ",").replace("\0", ".").replace("bytes", "byte")
