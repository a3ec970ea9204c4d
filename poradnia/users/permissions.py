"""Permissions as a Polish reader picks them in the user and group forms.

Django writes each permission's name into the database in English at migrate time ("Can add court
session"), so the admin's permission lists would stay English in any language. Here a label is built at
display time from what is translated: the app's and the model's verbose names and the action; a
permission of our own (``Meta.permissions``) is looked up in our catalogs by its English name.
"""

from __future__ import annotations

from django.contrib.auth.models import Permission
from django.utils.translation import gettext, pgettext_lazy

ACTIONS = {"add": pgettext_lazy("permission", "add"), "change": pgettext_lazy("permission", "change"),
           "delete": pgettext_lazy("permission", "delete"), "view": pgettext_lazy("permission", "view")}


def permission_label(permission: Permission) -> str:
    """``<app> | <model> | <what it allows>``, in the active language."""
    content_type = permission.content_type
    model = content_type.model_class()
    if model is None:  # a model removed from the code: nothing left to translate
        return str(permission)
    opts = model._meta
    action = permission.codename.split("_", 1)[0]
    if action in ACTIONS and permission.codename == f"{action}_{opts.model_name}":
        allows = ACTIONS[action]
    else:
        allows = gettext(permission.name)
    return f"{opts.app_config.verbose_name} | {opts.verbose_name} | {allows}"


class PermissionLabels:
    """A ModelAdmin mixin: the permission pickers of its form show ``permission_label``."""

    permission_fields = ("permissions", "user_permissions")

    def formfield_for_manytomany(self, db_field, request, **kwargs):  # type: ignore[no-untyped-def]
        field = super().formfield_for_manytomany(db_field, request, **kwargs)  # type: ignore[misc]
        if field is not None and db_field.name in self.permission_fields:
            field.label_from_instance = permission_label
        return field
