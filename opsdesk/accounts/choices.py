import functools
import zoneinfo

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


class PageSize(models.IntegerChoices):
    """Rows per page of overviews (Miscellaneous preferences, manual 1.3.3)."""

    TEN = 10, "10"
    FIFTEEN = 15, "15"
    TWENTY = 20, "20"
    TWENTY_FIVE = 25, "25"
    THIRTY_FIVE = 35, "35"
    FIFTY = 50, "50"
    HUNDRED = 100, "100"


class RefreshInterval(models.IntegerChoices):
    """How often overviews refresh themselves, in seconds (0: never)."""

    OFF = 0, _("off")
    SECONDS_30 = 30, _("30 seconds")
    MINUTES_1 = 60, _("1 minute")
    MINUTES_2 = 120, _("2 minutes")
    MINUTES_5 = 300, _("5 minutes")
    MINUTES_10 = 600, _("10 minutes")
    MINUTES_15 = 900, _("15 minutes")


@functools.cache
def known_time_zones() -> frozenset[str]:
    """IANA time zone names this machine knows."""
    return frozenset(zoneinfo.available_timezones())


def time_zone_choices() -> list[tuple[str, str]]:
    return [(name, name.replace("_", " ")) for name in sorted(known_time_zones())]
