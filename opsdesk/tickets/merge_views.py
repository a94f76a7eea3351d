"""Placeholder: filled in by issue 5."""

MERGE_ACTION_VIEWS: dict = {}
