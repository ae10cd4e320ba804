"""The request types of views that only signed-in people reach.

Django types ``request.user`` as ``User | AnonymousUser``. Behind ``login_required``,
``permission_required`` or ``accounts.permissions.require`` it is always a ``User``; a
view says so by annotating ``request: AuthenticatedHttpRequest`` (the django-stubs
recipe). Nothing changes at run time: Django still passes its own ``HttpRequest``.

API views (DRF's ``IsAuthenticated`` is the default permission) take the person with
``request_user(request)``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest

from rest_framework.exceptions import NotAuthenticated
from rest_framework.request import Request

if TYPE_CHECKING:
    from .models import User


class AuthenticatedHttpRequest(HttpRequest):
    user: User


def request_user(request: Request) -> User:
    """Return the person making an API ``request``. Raise ``NotAuthenticated`` (401) for
    a visitor, which a view's permission classes normally refused already."""
    user = request.user
    if isinstance(user, AnonymousUser):
        raise NotAuthenticated
    return user
