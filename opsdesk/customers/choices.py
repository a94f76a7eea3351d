from django.db import models
from django.utils.translation import gettext_lazy as _


class Validity(models.TextChoices):
    """OTOBO's three validity values; only ``valid`` records show up in pickers and may sign in."""

    VALID = "valid", _("valid")
    INVALID = "invalid", _("invalid")
    INVALID_TEMPORARILY = "invalid-temporarily", _("invalid-temporarily")


class CustomerRole(models.TextChoices):
    """The two customer roles of the portal (customers.md)."""

    USER = "user", _("Customer User")
    MANAGER = "manager", _("Customer Manager")


class CustomerPermission(models.TextChoices):
    """What a customer user may do in a group's queues: see (ro) or also create and reply (rw)."""

    RO = "ro", _("read only")
    RW = "rw", _("read and write")


# Customer IDs that OTOBO reserves as wildcards and that would confuse every "all customers" filter.
RESERVED_CUSTOMER_IDS = frozenset({"null", "all"})
