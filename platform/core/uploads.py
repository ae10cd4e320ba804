"""One validator for every upload: type by magic bytes, size limit, archive bombs refused.

    from core.uploads import validate_upload, UploadError
    kind = validate_upload(request.FILES["file"], kinds=("xlsx", "csv"))

``validate_upload`` reads the file's first bytes (never trusts the name or the browser's
content type), checks the size against ``settings.UPLOAD_MAX_BYTES``, opens ZIP-based
formats (xlsx, docx, pptx, zip) to refuse archive bombs (too many members, too large when
unpacked, or an extreme compression ratio) and asks Pillow to refuse decompression-bomb
images. It raises ``UploadError`` (a ``ValidationError``) with a message in the user's
language; it returns the detected kind. The file is left at position 0.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterable
from typing import IO, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

# Error texts (module constants so tests can assert on them).
UPLOAD_EMPTY = gettext_noop("The file is empty.")
UPLOAD_TOO_LARGE = gettext_noop("The file is too large ({size}); the limit is {limit}.")
UPLOAD_WRONG_TYPE = gettext_noop(
    "This file is not an accepted type ({accepted}); its content looks like {detected}."
)
UPLOAD_BAD_ARCHIVE = gettext_noop("The file is damaged or not a valid {kind} file.")
UPLOAD_ARCHIVE_BOMB = gettext_noop(
    "The file unpacks to much more data than it holds and was refused."
)
UPLOAD_IMAGE_BOMB = gettext_noop("The image is too large in pixels and was refused.")
UPLOAD_BAD_IMAGE = gettext_noop("The image cannot be read.")
UPLOAD_BAD_TEXT = gettext_noop("The file is not UTF-8 or GB18030 text.")

# Limits for ZIP-based formats. A real .xlsx of 50,000 rows compresses about 10-20:1; a
# bomb is thousands to one. https://www.bamsoftware.com/hacks/zipbomb/
MAX_ARCHIVE_MEMBERS = 10_000
MAX_COMPRESSION_RATIO = 200
MAX_UNCOMPRESSED_BYTES_DEFAULT = 500 * 1024 * 1024
# Pillow refuses images above this many pixels (its default warns at ~89M, errors at 2x).
MAX_IMAGE_PIXELS_DEFAULT = 60_000_000

OOXML_MARKERS = {"xlsx": "xl/", "docx": "word/", "pptx": "ppt/"}
KIND_LABELS = {
    "pdf": "PDF",
    "image": gettext_noop("image (PNG/JPEG/GIF/WebP)"),
    "xlsx": "Excel (.xlsx)",
    "docx": "Word (.docx)",
    "pptx": "PowerPoint (.pptx)",
    "zip": "ZIP",
    "csv": "CSV",
    "txt": gettext_noop("text"),
    "mp4": gettext_noop("MP4 video"),
    "webm": gettext_noop("WebM video"),
    "unknown": gettext_noop("an unknown type"),
}


class UploadError(ValidationError):
    """An upload was refused; ``message`` says why in the user's language."""


def _limit(name: str, default: int) -> int:
    return int(getattr(settings, name, default))


def _read_head(file: IO[bytes], n: int = 4096) -> bytes:
    file.seek(0)
    head = file.read(n)
    file.seek(0)
    return head if isinstance(head, bytes) else head.encode()


def _size(file: Any) -> int:
    size = getattr(file, "size", None)
    if size is None:
        pos = file.tell()
        file.seek(0, io.SEEK_END)
        size = file.tell()
        file.seek(pos)
    return int(size)


def detect_kind(file: IO[bytes]) -> str:
    """Return the kind the content shows (``pdf``, ``image``, ``xlsx``, ``docx``, ``pptx``,
    ``zip``, ``mp4``, ``webm``, ``txt``) or ``unknown``."""
    head = _read_head(file)
    if head.startswith(b"%PDF-"):
        return "pdf"
    if head.startswith(
        (b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff", b"GIF87a", b"GIF89a")
    ) or (head[:4] == b"RIFF" and head[8:12] == b"WEBP"):
        return "image"
    if head.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        return _zip_kind(file)
    if head[4:8] == b"ftyp":
        return "mp4"
    if head.startswith(b"\x1a\x45\xdf\xa3"):
        return "webm"
    if _looks_like_text(head):
        return "txt"
    return "unknown"


def _zip_kind(file: IO[bytes]) -> str:
    try:
        with zipfile.ZipFile(file) as archive:
            names = archive.namelist()
    except (zipfile.BadZipFile, OSError, ValueError):
        return "zip"
    finally:
        file.seek(0)
    if "[Content_Types].xml" in names:
        for kind, prefix in OOXML_MARKERS.items():
            if any(n.startswith(prefix) for n in names):
                return kind
    return "zip"


def _looks_like_text(head: bytes) -> bool:
    if b"\x00" in head:
        return False
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            head.decode(encoding)
            return True
        except UnicodeDecodeError:
            # The sample may end in the middle of a multi-byte character.
            try:
                head[:-3].decode(encoding)
                return True
            except UnicodeDecodeError:
                continue
    return False


def _check_archive(file: IO[bytes], kind: str) -> None:
    max_total = _limit("UPLOAD_MAX_UNCOMPRESSED_BYTES", MAX_UNCOMPRESSED_BYTES_DEFAULT)
    max_ratio = _limit("UPLOAD_MAX_COMPRESSION_RATIO", MAX_COMPRESSION_RATIO)
    try:
        with zipfile.ZipFile(file) as archive:
            infos = archive.infolist()
            if len(infos) > MAX_ARCHIVE_MEMBERS:
                raise UploadError(_(UPLOAD_ARCHIVE_BOMB), code="archive_bomb")
            total = 0
            for info in infos:
                total += info.file_size
                ratio = info.file_size / max(info.compress_size, 1)
                if total > max_total or (
                    info.file_size > 1024 * 1024 and ratio > max_ratio
                ):
                    raise UploadError(_(UPLOAD_ARCHIVE_BOMB), code="archive_bomb")
            # The sizes in the directory are claims: read each member in chunks and stop
            # as soon as the real output exceeds what was declared (or the total limit).
            produced = 0
            for info in infos:
                with archive.open(info) as member:
                    seen = 0
                    while chunk := member.read(1024 * 1024):
                        seen += len(chunk)
                        produced += len(chunk)
                        if seen > info.file_size or produced > max_total:
                            raise UploadError(
                                _(UPLOAD_ARCHIVE_BOMB), code="archive_bomb"
                            )
    except UploadError:
        raise
    except (
        zipfile.BadZipFile,
        zipfile.LargeZipFile,
        OSError,
        ValueError,
        EOFError,
        NotImplementedError,
    ) as e:
        raise UploadError(
            _(UPLOAD_BAD_ARCHIVE).format(kind=_(KIND_LABELS.get(kind, kind))),
            code="bad_archive",
        ) from e
    finally:
        file.seek(0)


def _check_image(file: IO[bytes]) -> None:
    from PIL import Image

    limit = _limit("UPLOAD_MAX_IMAGE_PIXELS", MAX_IMAGE_PIXELS_DEFAULT)
    try:
        with Image.open(file) as image:
            width, height = image.size
            if width * height > limit:
                raise UploadError(_(UPLOAD_IMAGE_BOMB), code="image_bomb")
            image.verify()
    except UploadError:
        raise
    except Image.DecompressionBombError as e:
        raise UploadError(_(UPLOAD_IMAGE_BOMB), code="image_bomb") from e
    except Exception as e:  # Pillow raises many types for broken files
        raise UploadError(_(UPLOAD_BAD_IMAGE), code="bad_image") from e
    finally:
        file.seek(0)


def validate_upload(
    file: Any,
    kinds: Iterable[str] = ("pdf", "image", "xlsx", "docx", "csv", "txt"),
    *,
    max_bytes: int | None = None,
) -> str:
    """Check ``file`` (an UploadedFile or any binary file object) and return its kind.

    ``kinds`` lists what the caller accepts: ``pdf``, ``image``, ``xlsx``, ``docx``,
    ``pptx``, ``zip``, ``csv``, ``txt``, ``mp4``, ``webm``. ``csv`` and ``txt`` both accept
    UTF-8 or GB18030 text. Raise ``UploadError`` when the file is empty, larger than
    ``max_bytes`` (default ``settings.UPLOAD_MAX_BYTES``), of another kind, a damaged or
    bomb archive, or a decompression-bomb image."""
    accepted = set(kinds)
    limit = (
        max_bytes
        if max_bytes is not None
        else _limit("UPLOAD_MAX_BYTES", 50 * 1024 * 1024)
    )
    size = _size(file)
    if size == 0:
        raise UploadError(_(UPLOAD_EMPTY), code="empty")
    if size > limit:
        raise UploadError(
            _(UPLOAD_TOO_LARGE).format(
                size=filesizeformat(size), limit=filesizeformat(limit)
            ),
            code="too_large",
        )
    detected = detect_kind(file)
    kind = detected
    if detected == "txt" and "csv" in accepted:
        kind = "csv"
    if kind not in accepted:
        raise UploadError(
            _(UPLOAD_WRONG_TYPE).format(
                accepted="、".join(_(KIND_LABELS.get(k, k)) for k in sorted(accepted)),
                detected=_(KIND_LABELS.get(detected, detected)),
            ),
            code="wrong_type",
        )
    if kind in ("xlsx", "docx", "pptx", "zip"):
        _check_archive(file, kind)
    elif kind == "image":
        _check_image(file)
    file.seek(0)
    return kind
