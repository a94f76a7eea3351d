"""Placeholder: filled in by issue 5."""

urlpatterns: list = []
