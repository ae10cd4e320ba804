"""Security hooks that close gaps in the Wagtail admin, found by the access matrix
(tests/security/test_access_matrix.py; see docs/security.md).

- The admin API's document and image endpoints list every item of every collection the
  visitor's view restrictions pass, to any admin user. Here they list only what the user
  may choose (the collection permission the admin's own choosers apply).
- The page "confirm move" screen (GET) answers any admin user, showing the page and its
  descendants; it now refuses users who may not move that page.
"""

from __future__ import annotations

from wagtail import hooks
from wagtail.admin.auth import permission_denied
from wagtail.documents import get_document_model
from wagtail.documents.api.admin.views import DocumentsAdminAPIViewSet
from wagtail.images import get_image_model
from wagtail.images.api.admin.views import ImagesAdminAPIViewSet
from wagtail.permission_policies.collections import CollectionPermissionPolicy


def _choosable(viewset, model):
    queryset = super(viewset.__class__, viewset).get_queryset()
    policy = CollectionPermissionPolicy(model)
    allowed = policy.collections_user_has_any_permission_for(
        viewset.request.user, ["choose"]
    )
    return queryset.filter(collection__in=allowed)


class ScopedDocumentsAdminAPIViewSet(DocumentsAdminAPIViewSet):
    def get_queryset(self):
        return _choosable(self, get_document_model())


class ScopedImagesAdminAPIViewSet(ImagesAdminAPIViewSet):
    def get_queryset(self):
        return _choosable(self, get_image_model())


@hooks.register("construct_admin_api", order=100)  # after Wagtail's own registrations
def scope_admin_api(router) -> None:
    router.register_endpoint("documents", ScopedDocumentsAdminAPIViewSet)
    router.register_endpoint("images", ScopedImagesAdminAPIViewSet)


@hooks.register("before_move_page")
def refuse_move_without_permission(request, page, destination):
    if not page.permissions_for_user(request.user).can_move_to(destination):
        return permission_denied(request)
    return None
