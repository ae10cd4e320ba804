"""Admin: 会前学法 sessions as a snippet (organisers create them and list the leaders)."""

from django.utils.translation import gettext_lazy as _

from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet

from .models import PreMeetingStudySession


class PreMeetingStudySessionViewSet(SnippetViewSet):
    model = PreMeetingStudySession
    icon = "group"
    menu_label = _("Pre-meeting law study")
    menu_order = 300
    add_to_admin_menu = True
    list_display = ["held_on", "meeting", "topic", "unit"]
    list_filter = ["unit"]
    search_fields = ["meeting", "topic"]


register_snippet(PreMeetingStudySessionViewSet)
