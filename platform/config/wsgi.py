"""WSGI entry point: ``gunicorn --chdir platform config.wsgi``."""

import os
import sys
from pathlib import Path

_ROOT = Path(__file__).resolve().parents[2]
for path in (str(_ROOT / "platform"), str(_ROOT)):
    if path not in sys.path:
        sys.path.insert(0, path)

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")

from django.core.wsgi import get_wsgi_application  # noqa: E402

application = get_wsgi_application()
