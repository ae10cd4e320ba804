"""What each audit action code means, in the reader's language.

Entries store a stable code (``auth.login``); the log page shows its label (登录成功).
Each app that writes entries declares its codes in an ``audit_actions`` module with a
dict ``LABELS`` of code → lazy label, found the way ``bootstrap_site`` finds ``bootstrap``
modules, so the platform layer knows no domain app. A code nobody declared is shown as
it is (old entries keep their meaning).
"""

from __future__ import annotations

from functools import cache
from importlib import import_module
from importlib.util import find_spec

from django.apps import apps


@cache
def action_labels() -> dict[str, object]:
    """Every declared code with its lazy label, from each app's ``audit_actions``."""
    labels: dict[str, object] = {}
    for config in apps.get_app_configs():
        name = f"{config.name}.audit_actions"
        if find_spec(name) is not None:
            labels.update(import_module(name).LABELS)
    return labels


def action_label(code: str) -> str:
    """The label of ``code`` in the active language, or the code itself if undeclared."""
    label = action_labels().get(code)
    return str(label) if label is not None else code
