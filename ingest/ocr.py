"""OCR of scanned pages through Debian's tesseract binary with its Vietnamese data (`tesseract-ocr-vie`).

The binary is called with an argument list (no shell), the image on standard input and a timeout. Nothing is
downloaded: without the packages, `unavailable_reason()` says what to install and PDFs of scans are skipped.
"""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import unicodedata
from typing import Any

LANGUAGE = "vie"
DPI = 300  # tesseract's own advice for body text; 150 loses the diacritics of small print
TIMEOUT_SECONDS = 300  # one page; a full A4 page at 300 dpi takes 5-20 s on one core
INSTALL_HINT = "install tesseract-ocr and tesseract-ocr-vie (apt-get install tesseract-ocr tesseract-ocr-vie)"


class OcrError(RuntimeError):
    """Tesseract is missing, lacks Vietnamese, failed or timed out; the message says which."""


def unavailable_reason() -> str | None:
    """None when tesseract can read Vietnamese here, else why not (to put in a skip message)."""
    binary = shutil.which("tesseract")
    if binary is None:
        return "tesseract is not installed"
    try:
        listing = subprocess.run([binary, "--list-langs"], capture_output=True, text=True, timeout=30, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"tesseract does not run ({exc})"
    languages = {line.strip() for line in (listing.stdout + listing.stderr).splitlines()}
    if LANGUAGE not in languages:
        return "tesseract has no Vietnamese language data"
    return None


def ocr_image(png: bytes, timeout: float = TIMEOUT_SECONDS) -> str:
    """Text of one page image (PNG bytes), NFC; raises OcrError when tesseract fails."""
    binary = shutil.which("tesseract")
    if binary is None:
        raise OcrError(f"tesseract is not installed: {INSTALL_HINT}")
    # One thread per page: on a shared 2-core machine tesseract's OpenMP threads only add overhead.
    env = {**os.environ, "OMP_THREAD_LIMIT": "1"}
    cmd = [binary, "stdin", "stdout", "-l", LANGUAGE, "--dpi", str(DPI), "--psm", "3"]
    try:
        done = subprocess.run(cmd, input=png, capture_output=True, timeout=timeout, env=env, check=False)
    except subprocess.TimeoutExpired as exc:
        raise OcrError(f"tesseract took more than {timeout:.0f} s") from exc
    if done.returncode != 0:
        detail = done.stderr.decode("utf-8", "replace").strip().splitlines()[-1:] or ["no message"]
        raise OcrError(f"tesseract exited {done.returncode}: {detail[0]}")
    return unicodedata.normalize("NFC", done.stdout.decode("utf-8", "replace"))


def ocr_pdf_page(page: Any, timeout: float = TIMEOUT_SECONDS) -> str:
    """Text of one pypdfium2 page rendered at DPI in greyscale and read by tesseract."""
    image = page.render(scale=DPI / 72, grayscale=True).to_pil()
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return ocr_image(buffer.getvalue(), timeout)
