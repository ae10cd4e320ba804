from django.conf import settings
from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from .nav import nav_for


def platform(request: HttpRequest) -> dict:
    # Lazy: the entries' checks cost queries, and a page without the menu (an exam being
    # taken) never pays for them.
    return {
        "SITE_NAME": settings.WAGTAIL_SITE_NAME,
        "nav_items": SimpleLazyObject(lambda: nav_for(request)),
    }
