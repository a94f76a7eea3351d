"""Helpers for the test suite that must also be importable from test modules."""

import os

import pytest


def running_in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}


def skip_or_fail(reason: str):
    """Skip a test whose server or browser is missing; under CI=true that is a failure."""
    if running_in_ci():
        pytest.fail(f"required for CI but missing: {reason}")
    pytest.skip(reason)
