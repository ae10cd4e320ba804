"""Every message core.uploads can show is marked for translation (and so shown in Chinese)."""

from __future__ import annotations

from django.test import SimpleTestCase
from django.utils import translation

from core import upload_messages, uploads


class UploadMessagesTests(SimpleTestCase):
    def test_every_upload_message_is_marked(self):
        constants = {value for name, value in vars(uploads).items() if name.startswith("UPLOAD_") and isinstance(value, str)}
        self.assertEqual(constants, set(upload_messages.MESSAGES))

    def test_messages_are_translated(self):
        with translation.override("zh-hans"):
            for message in upload_messages.MESSAGES:
                self.assertNotEqual(translation.gettext(message), message, message)
