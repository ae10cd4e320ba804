"""A short slide video for the demo lesson, generated on the machine with ffmpeg from
text (no download): so the demo exercises the video path (range requests, progress,
resume, captions). Without ffmpeg the demo lesson simply has no video."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

# A CJK font for the slide text (Debian: fonts-wqy-microhei or fonts-noto-cjk).
FONTS = (
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
)
SLIDE_SECONDS = 4


def _font() -> str | None:
    return next((f for f in FONTS if Path(f).exists()), None)


def slide_video(
    lines: list[str], *, seconds_per_line: int = SLIDE_SECONDS
) -> bytes | None:
    """Return an H.264 MP4 (640×360) showing each of ``lines`` for ``seconds_per_line``
    seconds on the brand colour, or None when ffmpeg or a CJK font is missing."""
    ffmpeg, font = shutil.which("ffmpeg"), _font()
    if not ffmpeg or not font or not lines:
        return None
    duration = seconds_per_line * len(lines)
    with tempfile.TemporaryDirectory(prefix="demo-video-") as tmp:
        filters = []
        for i, line in enumerate(lines):
            text_file = Path(tmp) / f"line{i}.txt"
            text_file.write_text(line, encoding="utf-8")
            start, end = i * seconds_per_line, (i + 1) * seconds_per_line
            filters.append(
                f"drawtext=fontfile={font}:textfile={text_file}:fontcolor=white:"
                f"fontsize=30:x=(w-text_w)/2:y=(h-text_h)/2:"
                f"enable='between(t,{start},{end})'"
            )
        out = Path(tmp) / "slides.mp4"
        command = [
            ffmpeg,
            "-loglevel",
            "error",
            "-f",
            "lavfi",
            "-i",
            f"color=c=0x0b3d91:s=640x360:d={duration}:r=10",
            "-vf",
            ",".join(filters),
            "-c:v",
            "libx264",
            "-preset",
            "veryfast",
            "-pix_fmt",
            "yuv420p",
            "-movflags",
            "+faststart",
            "-y",
            str(out),
        ]
        result = subprocess.run(command, capture_output=True, timeout=120, check=False)  # noqa: S603
        if result.returncode != 0 or not out.exists():
            return None
        return out.read_bytes()
