from django.db import models
from django.utils.translation import gettext_lazy as _


class Permission(models.TextChoices):
    """Permission types an agent or role holds on a group (accounts.md). ``rw`` implies all."""

    RO = "ro", _("read only")
    MOVE_INTO = "move_into", _("move into")
    CREATE = "create", _("create")
    NOTE = "note", _("note")
    OWNER = "owner", _("owner")
    PRIORITY = "priority", _("priority")
    RW = "rw", _("read and write")


class Language(models.TextChoices):
    EN = "en", _("English")
    JA = "ja", _("Japanese")


class ArticleOrder(models.TextChoices):
    OLDEST_FIRST = "asc", _("Oldest first")
    NEWEST_FIRST = "desc", _("Newest first")


class StartView(models.TextChoices):
    DASHBOARD = "dashboard", _("Dashboard")
    TICKETS = "tickets", _("Tickets")
