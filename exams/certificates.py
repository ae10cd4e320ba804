"""PDF certificates (fpdf2) with an embedded Chinese font and a verification code."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from .models import Certificate

FONT_CANDIDATES = (
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc",
)
FONT_MISSING = gettext_noop(
    "No Chinese font was found for the certificate. Install fonts-wqy-microhei or fonts-noto-cjk "
    "(scripts/setup.sh does) or set EXAMS_CERTIFICATE_FONT to a .ttf/.ttc file."
)


class CertificateFontMissing(RuntimeError):
    pass


def find_cjk_font() -> str:
    """Return the path of a font with Chinese glyphs; raise CertificateFontMissing."""
    configured = getattr(settings, "EXAMS_CERTIFICATE_FONT", "")
    candidates = [configured] if configured else []
    candidates += list(FONT_CANDIDATES)
    for path in candidates:
        if path and Path(path).is_file():
            return path
    if shutil.which("fc-match"):
        out = subprocess.run(
            ["fc-match", "-f", "%{file}", ":lang=zh-cn"],  # noqa: S607
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        ).stdout.strip()
        if out and Path(out).is_file() and out.endswith((".ttf", ".ttc", ".otf")):
            return out
    raise CertificateFontMissing(_(FONT_MISSING))


def certificate_visible(certificate: Certificate) -> bool:
    """May the candidate have the certificate now? Asks the session's review policy:
    only once the score may be seen ("never" means never)."""
    from .review import ReviewPolicy

    return ReviewPolicy.for_session(certificate.session).certificate_available()


def certificate_pdf(certificate: Certificate, *, verify_url: str) -> bytes:
    """Render the certificate as PDF bytes."""
    from fpdf import FPDF

    font = find_cjk_font()
    user = certificate.user
    session = certificate.session
    pdf = FPDF(orientation="L", unit="mm", format="A4")
    pdf.set_auto_page_break(False)
    pdf.add_page()
    pdf.add_font("cjk", "", font)
    pdf.set_draw_color(31, 78, 140)
    pdf.set_line_width(1.5)
    pdf.rect(10, 10, 277, 190)
    pdf.set_line_width(0.4)
    pdf.rect(14, 14, 269, 182)
    pdf.set_font("cjk", size=34)
    pdf.set_text_color(31, 78, 140)
    pdf.set_xy(10, 35)
    pdf.cell(277, 16, "合 格 证 书", align="C")
    pdf.set_text_color(0, 0, 0)
    pdf.set_font("cjk", size=16)
    unit = user.unit.name if user.unit_id else ""
    lines = [
        f"{unit}  {user.display_name}"
        + (f"（警号 {user.police_number}）" if user.police_number else ""),
        f"于 {timezone.localtime(certificate.issued_at):%Y年%m月%d日} 参加",
        f"《{session.title}》",
        f"成绩 {certificate.percent}%，经考核合格，特发此证。",
    ]
    y = 70
    for line in lines:
        pdf.set_xy(10, y)
        pdf.cell(277, 12, line, align="C")
        y += 16
    pdf.set_font("cjk", size=11)
    pdf.set_xy(20, 170)
    pdf.cell(150, 8, f"证书编号 / 验证码：{certificate.code}")
    pdf.set_xy(20, 178)
    pdf.cell(250, 8, f"验证网址：{verify_url}?code={certificate.code}")
    pdf.set_xy(180, 170)
    pdf.cell(90, 8, settings.WAGTAIL_SITE_NAME, align="R")
    return bytes(pdf.output())
