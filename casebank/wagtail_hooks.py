"""Wagtail admin: statutes and charges as snippets (choosers for courses and exams)."""

from django import forms
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext_lazy as _

from wagtail import hooks
from wagtail.admin.forms.choosers import BaseFilterForm
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.chooser import (
    ChooseResultsView,
    ChooseView,
    SnippetChooserViewSet,
)
from wagtail.snippets.views.snippets import SnippetViewSet, SnippetViewSetGroup

from .models import Article, Charge, Law


class LawViewSet(SnippetViewSet):
    model = Law
    icon = "doc-full"
    list_display = ["name", "short_name", "level", "status", "promulgated_on"]
    list_filter = ["level", "status"]
    search_fields = ["name", "short_name"]
    search_backend_name = None


class ArticleChooserFilterForm(BaseFilterForm):
    """The chooser's search: a citation (刑法264) or words (``selectors.article_search``).
    Articles are not in Wagtail's index, so without this the chooser had no search."""

    q = forms.CharField(
        label=_("Search term"),
        widget=forms.TextInput(attrs={"placeholder": _("e.g. 刑法264, or words")}),
        required=False,
    )

    def filter(self, objects):
        from .selectors import article_search

        objects = super().filter(objects)
        query = self.cleaned_data.get("q")
        if query:
            objects = objects.filter(pk__in=[a.pk for a in article_search(query)])
            self.is_searching = True
            self.search_query = query
        return objects


class ArticleChooseView(ChooseView):
    filter_form_class = ArticleChooserFilterForm


class ArticleChooseResultsView(ChooseResultsView):
    filter_form_class = ArticleChooserFilterForm


class ArticleChooserViewSet(SnippetChooserViewSet):
    choose_view_class = ArticleChooseView
    choose_results_view_class = ArticleChooseResultsView


class ArticleViewSet(SnippetViewSet):
    model = Article
    chooser_viewset_class = ArticleChooserViewSet
    icon = "doc-full-inverse"
    list_display = ["__str__", "chapter_path"]
    list_filter = ["law__level"]
    search_fields = ["label", "law__name", "law__short_name"]
    search_backend_name = None  # ORM search: articles are not in Wagtail's index
    ordering = ["law_id", "number", "sub_number"]


class ChargeViewSet(SnippetViewSet):
    model = Charge
    icon = "tag"
    list_display = ["name", "kind", "status", "article_refs"]
    list_filter = ["kind", "status"]
    search_fields = ["name"]
    search_backend_name = None


class CasebankViewSetGroup(SnippetViewSetGroup):
    items = (LawViewSet, ArticleViewSet, ChargeViewSet)
    menu_icon = "doc-full"
    menu_label = _("Statutes and charges")
    menu_name = "casebank"


register_snippet(CasebankViewSetGroup)


# Restricted cases must not leak through the admin either: hide them from the page
# explorer, search and choosers, and refuse to open them for editing or preview.


@hooks.register("construct_explorer_page_queryset")
def hide_restricted_pages(parent_page, pages, request):
    from .selectors import restricted_page_ids_hidden_from

    hidden = restricted_page_ids_hidden_from(request.user)
    return pages.exclude(pk__in=hidden) if hidden else pages


@hooks.register("construct_page_chooser_queryset")
def hide_restricted_pages_in_chooser(pages, request):
    from .selectors import restricted_page_ids_hidden_from

    hidden = restricted_page_ids_hidden_from(request.user)
    return pages.exclude(pk__in=hidden) if hidden else pages


@hooks.register("before_edit_page")
def refuse_restricted_edit(request, page):
    from .selectors import restricted_page_ids_hidden_from

    if page.pk in restricted_page_ids_hidden_from(request.user):
        raise PermissionDenied


@hooks.register("after_copy_page")
def keep_owner_of_restricted_copies(request, page, new_page):
    from .permissions import keep_owner_on_copy

    keep_owner_on_copy(request, page, new_page)


@hooks.register("construct_admin_api", order=101)
def hide_restricted_pages_in_admin_api(router) -> None:
    from wagtail.admin.api.views import PagesAdminAPIViewSet

    class ScopedPagesAdminAPIViewSet(PagesAdminAPIViewSet):
        def get_base_queryset(self):
            from .selectors import restricted_page_ids_hidden_from

            queryset = super().get_base_queryset()
            hidden = restricted_page_ids_hidden_from(self.request.user)
            return queryset.exclude(pk__in=hidden) if hidden else queryset

    router.register_endpoint("pages", ScopedPagesAdminAPIViewSet)
