"""Required reading: the reader confirms a guideline assigned to them (casebank.reading)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.permissions import can_read_guideline, get_object_for

from .models import GuidelinePage
from .reading import guideline_read


@require_POST
def guideline_read_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Record that the signed-in person has read a guideline that is required reading
    for them (404 for a guideline they may not read)."""
    guideline = get_object_for(
        request, can_read_guideline, GuidelinePage.objects.live(), pk=pk
    )
    try:
        guideline_read(user=request.user, guideline=guideline)
    except ValidationError as e:
        messages.error(request, e.messages[0])
    else:
        messages.success(request, _("Recorded: read."))
    return redirect(guideline.url)
