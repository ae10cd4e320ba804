"""What the case bank puts on a person's home page: "law changed, review" flags they own."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _

from core.home import HomeItem


def law_change_flags_for_home(request) -> list[HomeItem]:
    from .models import FlagStatus, LawChangeFlag

    user = request.user
    if not user.is_authenticated:
        return []
    count = LawChangeFlag.objects.filter(owner=user, status=FlagStatus.OPEN).count()
    if not count:
        return []
    return [
        HomeItem(
            title=_("Law changed: %(n)d item(s) you own cite an amended article")
            % {"n": count},
            url=reverse("casebank:flag_list"),
            kind="review",
            note=_("Review the text diff and update the content"),
        )
    ]
