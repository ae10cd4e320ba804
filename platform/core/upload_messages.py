"""Marks core.uploads' message constants for makemessages (it translates them with
``gettext(CONSTANT)``, which the extractor cannot see)."""

from django.utils.translation import gettext_noop

MESSAGES = [
    gettext_noop("The file is empty."),
    gettext_noop("The file is too large ({size}); the limit is {limit}."),
    gettext_noop("This file is not an accepted type ({accepted}); its content looks like {detected}."),
    gettext_noop("The file is damaged or not a valid {kind} file."),
    gettext_noop("The file unpacks to much more data than it holds and was refused."),
    gettext_noop("The image is too large in pixels and was refused."),
    gettext_noop("The image cannot be read."),
    gettext_noop("The file is not UTF-8 or GB18030 text."),
]
