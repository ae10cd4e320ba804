"""core.uploads.validate_upload: magic bytes, size, archive bombs, image bombs."""

from __future__ import annotations

import io
import zipfile

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import SimpleTestCase, override_settings
from django.utils.translation import gettext

from openpyxl import Workbook
from PIL import Image

from core.uploads import (
    UPLOAD_ARCHIVE_BOMB,
    UPLOAD_BAD_ARCHIVE,
    UPLOAD_BAD_IMAGE,
    UPLOAD_EMPTY,
    UPLOAD_IMAGE_BOMB,
    UploadError,
    detect_kind,
    validate_upload,
)


def xlsx_bytes(rows: int = 50) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.append(["警号", "姓名", "单位"])
    for i in range(rows):
        ws.append([f"{100000 + i}", f"民警{i}", "东城分局"])
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def png_bytes(size=(16, 16)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (10, 20, 30)).save(buffer, "PNG")
    return buffer.getvalue()


def upload(
    name: str, data: bytes, content_type: str = "application/octet-stream"
) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type=content_type)


def zip_bytes(members: dict[str, bytes], compression=zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


class ValidateUploadTests(SimpleTestCase):
    def test_accepts_real_files_of_each_kind(self):
        self.assertEqual(
            validate_upload(upload("a.xlsx", xlsx_bytes()), kinds=("xlsx",)), "xlsx"
        )
        self.assertEqual(
            validate_upload(upload("a.png", png_bytes()), kinds=("image",)), "image"
        )
        self.assertEqual(
            validate_upload(
                upload("a.pdf", b"%PDF-1.7\n%\xe2\xe3\n1 0 obj\n"), kinds=("pdf",)
            ),
            "pdf",
        )
        self.assertEqual(
            validate_upload(
                upload("a.csv", "警号,姓名\n1001,张三\n".encode()), kinds=("csv",)
            ),
            "csv",
        )
        self.assertEqual(
            validate_upload(
                upload("a.csv", "警号,姓名\n".encode("gb18030")), kinds=("csv",)
            ),
            "csv",
        )

    def test_leaves_the_file_at_the_start(self):
        f = upload("a.xlsx", xlsx_bytes())
        validate_upload(f, kinds=("xlsx",))
        self.assertEqual(f.tell(), 0)

    def test_type_comes_from_content_not_name_or_content_type(self):
        fake = upload(
            "report.pdf",
            b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 64,
            "application/pdf",
        )
        with self.assertRaises(UploadError) as ctx:
            validate_upload(fake, kinds=("pdf",))
        self.assertEqual(ctx.exception.code, "wrong_type")
        html = upload(
            "photo.png", b"<html><script>alert(1)</script></html>", "image/png"
        )
        with self.assertRaises(UploadError):
            validate_upload(html, kinds=("image",))

    def test_an_ordinary_zip_is_not_an_xlsx(self):
        with self.assertRaises(UploadError) as ctx:
            validate_upload(
                upload("a.xlsx", zip_bytes({"a.txt": b"hello"})), kinds=("xlsx",)
            )
        self.assertEqual(ctx.exception.code, "wrong_type")
        self.assertEqual(detect_kind(io.BytesIO(xlsx_bytes())), "xlsx")

    def test_refuses_empty_and_oversized_files(self):
        with self.assertRaises(UploadError) as ctx:
            validate_upload(upload("a.csv", b""), kinds=("csv",))
        self.assertEqual(ctx.exception.code, "empty")
        with (
            override_settings(UPLOAD_MAX_BYTES=1000),
            self.assertRaises(UploadError) as ctx,
        ):
            validate_upload(upload("a.xlsx", xlsx_bytes()), kinds=("xlsx",))
        self.assertEqual(ctx.exception.code, "too_large")
        self.assertIn(
            "1000", ctx.exception.messages[0]
        )  # the limit, as the user reads it

    def test_refuses_a_compression_bomb_disguised_as_xlsx(self):
        bomb = zip_bytes(
            {
                "[Content_Types].xml": b"<Types/>",
                "xl/workbook.xml": b"<workbook/>",
                "xl/worksheets/sheet1.xml": b"\x00"
                * (30 * 1024 * 1024),  # 30 MB of zeros, ~30 KB packed
            }
        )
        self.assertLess(len(bomb), 200_000)
        with self.assertRaises(UploadError) as ctx:
            validate_upload(upload("bomb.xlsx", bomb), kinds=("xlsx",))
        self.assertEqual(ctx.exception.code, "archive_bomb")
        self.assertEqual(ctx.exception.messages[0], gettext(UPLOAD_ARCHIVE_BOMB))

    def test_refuses_too_much_unpacked_data_in_total(self):
        members = {"[Content_Types].xml": b"<Types/>"}
        members.update(
            {f"word/part{i}.xml": bytes(range(256)) * 400 for i in range(20)}
        )  # ~2 MB, low ratio
        with (
            override_settings(UPLOAD_MAX_UNCOMPRESSED_BYTES=1024 * 1024),
            self.assertRaises(UploadError) as ctx,
        ):
            validate_upload(upload("big.docx", zip_bytes(members)), kinds=("docx",))
        self.assertEqual(ctx.exception.code, "archive_bomb")

    def test_refuses_a_member_that_unpacks_to_more_than_it_declares(self):
        data = bytearray(
            zip_bytes({"[Content_Types].xml": b"<Types/>", "xl/a.xml": b"A" * 100_000})
        )
        # Lie in the central directory: claim the member unpacks to 10 bytes.
        cd = data.rfind(b"PK\x01\x02", 0, len(data))
        while cd != -1:
            name_len = int.from_bytes(data[cd + 28 : cd + 30], "little")
            if data[cd + 46 : cd + 46 + name_len] == b"xl/a.xml":
                data[cd + 24 : cd + 28] = (10).to_bytes(4, "little")
                break
            cd = data.rfind(b"PK\x01\x02", 0, cd)
        with self.assertRaises(UploadError) as ctx:
            validate_upload(upload("lie.xlsx", bytes(data)), kinds=("xlsx",))
        self.assertIn(ctx.exception.code, {"archive_bomb", "bad_archive"})

    def test_refuses_a_truncated_archive(self):
        with self.assertRaises(UploadError) as ctx:
            validate_upload(
                upload("cut.xlsx", xlsx_bytes()[:300]), kinds=("xlsx", "zip")
            )
        self.assertIn(ctx.exception.code, {"bad_archive", "wrong_type"})
        if ctx.exception.code == "bad_archive":
            self.assertTrue(
                ctx.exception.messages[0].startswith(
                    gettext(UPLOAD_BAD_ARCHIVE).split("{")[0]
                )
            )

    def test_refuses_a_decompression_bomb_image(self):
        # A 20000 x 20000 one-colour PNG is a few hundred KB but 400 megapixels.
        buffer = io.BytesIO()
        Image.new("1", (20000, 20000)).save(buffer, "PNG")
        with self.assertRaises(UploadError) as ctx:
            validate_upload(upload("bomb.png", buffer.getvalue()), kinds=("image",))
        self.assertEqual(ctx.exception.code, "image_bomb")
        self.assertEqual(ctx.exception.messages[0], gettext(UPLOAD_IMAGE_BOMB))

    def test_refuses_a_broken_image(self):
        with self.assertRaises(UploadError) as ctx:
            validate_upload(upload("broken.png", png_bytes()[:40]), kinds=("image",))
        self.assertEqual(ctx.exception.messages[0], gettext(UPLOAD_BAD_IMAGE))


class UploadMessagesLanguageTests(SimpleTestCase):
    def test_refusals_speak_chinese_by_default_and_english_on_request(self):
        from django.utils import translation

        with translation.override("zh-hans"), self.assertRaises(UploadError) as ctx:
            validate_upload(upload("a.pdf", b""), kinds=("pdf",))
        self.assertEqual(ctx.exception.messages[0], "文件为空。")
        with translation.override("en"), self.assertRaises(UploadError) as ctx:
            validate_upload(upload("a.pdf", b""), kinds=("pdf",))
        self.assertEqual(ctx.exception.messages[0], UPLOAD_EMPTY)
