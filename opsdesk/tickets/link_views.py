"""Placeholder: filled in by issue 5."""

LINK_ACTION_VIEWS: dict = {}
