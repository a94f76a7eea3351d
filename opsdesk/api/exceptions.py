"""Errors of the API as JSON: ``{"detail": "..."}`` or ``{"field": ["message", ...]}``."""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import JsonResponse
from django.urls import Resolver404, resolve
from django.utils.translation import gettext as _
from rest_framework import exceptions, serializers
from rest_framework.views import exception_handler as drf_exception_handler


def exception_handler(exc, context):
    """DRF's handler, plus model validation errors raised by services, which become a 400."""
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(detail=serializers.as_serializer_error(exc))
    return drf_exception_handler(exc, context)


def not_found(request, path=""):
    """Unknown URLs under ``/api/`` answer in JSON rather than with the HTML error page."""
    detail = _("There is no API endpoint at this address.")
    if not request.path.endswith("/"):
        try:
            resolve(request.path + "/")
        except Resolver404:
            pass
        else:
            detail = _("There is no API endpoint at this address. Add a slash at the end.")
    return JsonResponse({"detail": detail}, status=404)
