"""The demo's slide video (issue 18): made on the machine by ffmpeg from text, so the
demo exercises the video path. Skipped where ffmpeg is not installed."""

from __future__ import annotations

import shutil

import pytest

from courses.demo_video import slide_video

needs_ffmpeg = pytest.mark.skipif(
    shutil.which("ffmpeg") is None,
    reason="ffmpeg is not installed (apt-get install ffmpeg): no demo video",
)


@needs_ffmpeg
def test_slide_video_is_an_mp4_of_the_lines():
    data = slide_video(["执法办案要点", "依法受案"], seconds_per_line=1)
    assert data is not None
    assert data[4:8] == b"ftyp"
    assert len(data) > 1000


def test_no_lines_no_video():
    assert slide_video([]) is None
