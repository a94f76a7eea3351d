from django.core.exceptions import PermissionDenied
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache

from . import menu
from .health import check_health
from .permissions import agent_meets, agent_required
from .search import search_everything


@agent_required()
def dashboard(request):
    """The agent's start page (widgets arrive with the dashboard area)."""
    return render(request, "core/dashboard.html", {"agent": request.user})


def area_view(key: str):
    """A main-menu area's page: its functions that the agent may use."""
    item = menu.find(key)

    @agent_required()
    def view(request):
        if not agent_meets(request.user, item.required):
            raise PermissionDenied
        children = [child for child in item.children if agent_meets(request.user, child.required)]
        return render(request, "core/area.html", {"area": item, "functions": children})

    view.__name__ = f"area_{key}"
    return view


@never_cache
def healthz(request):
    """Liveness and readiness: the database answers and the task queue is reachable."""
    status = check_health(connection)
    return JsonResponse(status, status=200 if status["ok"] else 503)


@agent_required()
def search(request):
    """The top bar's global search across every area's registered provider."""
    text = request.GET.get("q", "")
    results = search_everything(request.user, text)
    return render(request, "core/search.html", {"q": text, "results": results})
