from django.conf import settings
from django.http import HttpRequest

from .nav import nav_for


def platform(request: HttpRequest) -> dict:
    return {"SITE_NAME": settings.WAGTAIL_SITE_NAME, "nav_items": nav_for(request)}
