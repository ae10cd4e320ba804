"""Search backends, chosen by alias from ``settings.SEARCH_BACKENDS`` (Django ``CACHES``
and Wagtail ``WAGTAILSEARCH_BACKENDS`` shape).

    backend = get_search_backend()          # the "default" alias
    backend = get_search_backend("bench")   # another alias
"""

from __future__ import annotations

import threading
from importlib import import_module
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.signals import setting_changed
from django.utils.module_loading import import_string

from .base import (
    BaseSearchBackend,
    SearchDocument,
    SearchHit,
    SearchQuery,
    SearchResults,
)

__all__ = [
    "BaseSearchBackend",
    "InvalidSearchBackendError",
    "SearchDocument",
    "SearchHit",
    "SearchQuery",
    "SearchResults",
    "get_search_backend",
    "get_backend_config",
]

DEFAULT_BACKEND = "search.backends.embedded.EmbeddedSearchBackend"
UNKNOWN_ALIAS = (
    "Search backend alias {alias!r} is not in SEARCH_BACKENDS (known: {known})."
)
CANNOT_LOAD = "Could not load search backend {path!r}: {error}"


class InvalidSearchBackendError(ImproperlyConfigured):
    """An alias that is not configured, or a BACKEND that cannot be imported."""


_backends: dict[str, BaseSearchBackend] = {}
_lock = threading.Lock()


def get_backend_config() -> dict[str, dict[str, Any]]:
    """Return SEARCH_BACKENDS with the embedded default filled in."""
    config = dict(getattr(settings, "SEARCH_BACKENDS", {}) or {})
    config.setdefault(
        "default",
        {
            "BACKEND": DEFAULT_BACKEND,
            "PATH": Path(settings.BASE_DIR) / "var" / "search",
        },
    )
    return config


def _import_backend(path: str) -> type[BaseSearchBackend]:
    try:
        module = import_module(path)
    except ImportError:
        module = None
    if module is not None and hasattr(module, "SearchBackend"):
        return module.SearchBackend  # type: ignore[no-any-return]
    return import_string(path)  # type: ignore[no-any-return]


def get_search_backend(alias: str = "default") -> BaseSearchBackend:
    """Return the backend configured under ``alias`` (one instance per alias and process).

    Raise InvalidSearchBackendError for an unknown alias or an unloadable class.
    """
    backend = _backends.get(alias)
    if backend is not None:
        return backend
    with _lock:
        if alias in _backends:
            return _backends[alias]
        config = get_backend_config()
        if alias not in config:
            raise InvalidSearchBackendError(
                UNKNOWN_ALIAS.format(alias=alias, known=", ".join(config))
            )
        params = dict(config[alias])
        path = params.pop("BACKEND", DEFAULT_BACKEND)
        try:
            backend_class = _import_backend(path)
        except (ImportError, AttributeError) as e:
            raise InvalidSearchBackendError(
                CANNOT_LOAD.format(path=path, error=e)
            ) from e
        params["ALIAS"] = alias
        backend = backend_class(params)
        _backends[alias] = backend
        return backend


def reset_backends() -> None:
    """Forget the backend instances (after a settings change in tests)."""
    with _lock:
        _backends.clear()


def _on_setting_changed(*, setting: str, **kwargs: Any) -> None:
    if setting in {"SEARCH_BACKENDS", "SEARCH_EMBEDDING_MODEL", "SEARCH_FUSION"}:
        reset_backends()


setting_changed.connect(_on_setting_changed)
