#!/usr/bin/env python
"""Django's command-line utility. Puts platform/ (a folder, not a package) on sys.path."""

import os
import sys
from pathlib import Path


def main() -> None:
    root = Path(__file__).resolve().parent
    # platform/ must not shadow the standard library's ``platform``: its apps import as
    # ``config``, ``accounts`` ... so the folder itself goes on the path, after the root.
    for path in (str(root), str(root / "platform")):
        if path not in sys.path:
            sys.path.insert(1, path)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
