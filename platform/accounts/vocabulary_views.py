"""Posts (岗位) and police types (警种): the lists admins keep, and setting a person's."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from . import services
from .http import AuthenticatedHttpRequest
from .models import PoliceType, Post, User
from .permissions import (
    can_manage_people,
    can_manage_vocabularies,
    can_set_post,
    get_object_for,
    permission_required,
)
from .selectors import directory_people

VOCABULARIES: dict[str, type[Post] | type[PoliceType]] = {
    "post": Post,
    "police_type": PoliceType,
}


@permission_required(can_manage_vocabularies)
def vocabularies(request: AuthenticatedHttpRequest) -> HttpResponse:
    """List both vocabularies; add a term, retire one or bring it back (POST)."""
    if request.method == "POST":
        model = VOCABULARIES.get(request.POST.get("vocabulary", ""))
        if model is None:
            messages.error(request, _("Choose posts or police types."))
        elif request.POST.get("term"):
            term = model.objects.filter(pk=request.POST["term"]).first()
            if term is not None:
                services.vocabulary_term_set_active(
                    actor=request.user,
                    term=term,
                    active=request.POST.get("active") == "1",
                    request=request,
                )
        else:
            try:
                services.vocabulary_term_add(
                    actor=request.user,
                    model=model,
                    name=request.POST.get("name", ""),
                    request=request,
                )
            except ValidationError as e:
                messages.error(request, "；".join(e.messages))
            else:
                messages.success(request, _("Added."))
        return redirect("accounts:vocabularies")
    unmatched = (
        User.objects.filter(police_type__isnull=True)
        .exclude(police_type_text="")
        .values_list("police_type_text", flat=True)
        .distinct()
    )
    return render(
        request,
        "accounts/vocabularies.html",
        {
            "lists": [
                ("post", _("Posts"), Post.objects.all()),
                ("police_type", _("Police types"), PoliceType.objects.all()),
            ],
            "unmatched": sorted(set(unmatched)),
        },
    )


@require_POST
@permission_required(can_manage_people)
def person_post(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Set a person's post and police type (a transfer: their assignments follow)."""
    person = get_object_for(
        request, can_set_post, directory_people(request.user), pk=pk
    )
    post_pk = request.POST.get("post")
    police_type_pk = request.POST.get("police_type")
    post = Post.objects.filter(pk=post_pk).first() if post_pk else None
    police_type = (
        PoliceType.objects.filter(pk=police_type_pk).first() if police_type_pk else None
    )
    services.person_post_set(
        actor=request.user,
        person=person,
        post=post,
        police_type=police_type,
        request=request,
    )
    messages.success(request, _("Post and police type saved."))
    return redirect("accounts:person_detail", pk=person.pk)
