"""ASGI entry point."""

import os
import sys
from pathlib import Path

_ROOT = Path(__file__).resolve().parents[2]
for path in (str(_ROOT / "platform"), str(_ROOT)):
    if path not in sys.path:
        sys.path.insert(0, path)

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")

from django.core.asgi import get_asgi_application  # noqa: E402

application = get_asgi_application()
