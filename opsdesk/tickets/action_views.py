from django.http import Http404


def placeholder(request, *args, **kwargs):
    raise Http404
