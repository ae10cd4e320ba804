"""Local development: DEBUG on, console e-mail, an optional gitignored local.py."""

import contextlib

from .base import *  # noqa: F403
from .env import env_bool

DEBUG = env_bool("DJANGO_DEBUG", True)
# Two-factor stays available in development, but demo logins are not forced through it.
ACCOUNTS_TWO_FACTOR_REQUIRED = env_bool("ACCOUNTS_TWO_FACTOR_REQUIRED", False)

with contextlib.suppress(ImportError):
    from .local import *  # noqa: F403
