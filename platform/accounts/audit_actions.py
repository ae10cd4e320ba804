"""Labels of the audit actions this app writes (``audit.actions`` reads them)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

LABELS = {
    "auth.login": _("Signed in"),
    "auth.login_failed": _("Sign-in failed"),
    "auth.login_blocked": _("Sign-in refused (locked)"),
    "auth.lockout": _("Account locked after failed sign-ins"),
    "auth.logout": _("Signed out"),
    "auth.idle_logout": _("Signed out after inactivity"),
    "auth.two_factor": _("Second factor verified"),
    "auth.two_factor_setup": _("Authenticator set up"),
    "auth.password_change": _("Password changed"),
    "auth.temporary_password_replaced": _("Temporary password replaced"),
    "auth.temporary_password_expired": _("Temporary password expired"),
    "accounts.import": _("People imported"),
    "accounts.import_check": _("People import checked (dry run)"),
    "accounts.import_credentials_download": _("Initial passwords downloaded"),
    "accounts.password_reset": _("Temporary password issued"),
    "accounts.people_api_read": _("People read through the API"),
    "accounts.people_export": _("People exported"),
    "accounts.role_change": _("Roles changed"),
    "accounts.two_factor_reset": _("Second factor reset"),
    "accounts.unit_move": _("Unit moved"),
    "accounts.unlock": _("Account unlocked"),
    "accounts.enable": _("Account enabled"),
    "accounts.disable": _("Account disabled"),
    "accounts.api_token_issue": _("API token issued"),
    "accounts.api_tokens_revoke": _("API tokens revoked"),
    "accounts.person_post_set": _("Post and police type set"),
    "accounts.vocabulary_add": _("Vocabulary term added"),
    "accounts.vocabulary_set_active": _("Vocabulary term enabled or disabled"),
}
