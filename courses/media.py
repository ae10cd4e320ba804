"""Lesson media served by Django in development: video with HTTP range requests (so a
player can seek and resume on a slow link) and WebVTT captions made from a video
block's transcript. In production the web server serves the files (docs/courses.md)."""

from __future__ import annotations

import mimetypes
import re
from collections.abc import Iterator
from typing import IO, Literal

from django.http import HttpResponse, StreamingHttpResponse

RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")
CHUNK = 64 * 1024
CUE_SECONDS = 4
SENTENCE_END = re.compile(r"(?<=[。！？!?；;])")


def parse_range(header: str, size: int) -> tuple[int, int] | None | Literal[False]:
    """Return the (first, last) byte positions a ``Range`` header asks for; None when
    there is no usable single range (serve the whole file, RFC 9110 §14.2); False when
    the range lies outside the file (416)."""
    match = RANGE.match(header.strip()) if header else None
    if not match or match.groups() == ("", ""):
        return None
    first, last = match.groups()
    if first == "":  # the last N bytes
        length = int(last)
        if length == 0:
            return False
        return max(0, size - length), size - 1
    start = int(first)
    end = min(int(last), size - 1) if last else size - 1
    if start >= size or end < start:
        return False
    return start, end


def _chunks(handle: IO[bytes], start: int, length: int) -> Iterator[bytes]:
    try:
        handle.seek(start)
        left = length
        while left > 0:
            data = handle.read(min(CHUNK, left))
            if not data:
                break
            left -= len(data)
            yield data
    finally:
        handle.close()


def ranged_file_response(
    file, *, name: str, range_header: str
) -> HttpResponse | StreamingHttpResponse:
    """Serve ``file`` (a Django File) whole (200) or the asked range (206), or 416."""
    size = file.size
    content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
    wanted = parse_range(range_header, size)
    if wanted is False:
        refused = HttpResponse(status=416)
        refused["Content-Range"] = f"bytes */{size}"
        return refused
    start, end = wanted if wanted else (0, size - 1)
    length = end - start + 1 if size else 0
    file.open("rb")
    response = StreamingHttpResponse(
        _chunks(file.file, start, length),
        status=206 if wanted else 200,
        content_type=content_type,
    )
    response["Content-Length"] = str(length)
    response["Accept-Ranges"] = "bytes"
    if wanted:
        response["Content-Range"] = f"bytes {start}-{end}/{size}"
    response["Cache-Control"] = "private, max-age=3600"
    return response


def _timestamp(seconds: int) -> str:
    return f"{seconds // 3600:02d}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}.000"


def transcript_vtt(transcript: str) -> str:
    """Return a WebVTT captions track for ``transcript``: one cue per sentence, each
    ``CUE_SECONDS`` long (the transcript carries no timings; a timed .vtt uploaded by a
    trainer would replace this)."""
    sentences = [
        s.strip()
        for line in transcript.splitlines()
        for s in SENTENCE_END.split(line)
        if s.strip()
    ]
    cues = ["WEBVTT", ""]
    for i, sentence in enumerate(sentences):
        start = i * CUE_SECONDS
        cues += [
            str(i + 1),
            f"{_timestamp(start)} --> {_timestamp(start + CUE_SECONDS)}",
            sentence.replace("-->", "→"),
            "",
        ]
    return "\n".join(cues)
