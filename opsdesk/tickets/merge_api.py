"""Placeholder: filled in by issue 5."""


def register(router):
    pass
