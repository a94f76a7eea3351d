from django.core.exceptions import PermissionDenied
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache

from . import menu
from .health import check_health
from .permissions import agent_meets, agent_required
from .search import exact_hit, search_everything

# The type-ahead under the top bar's search box: hits per area, from this many characters on.
SUGGEST_MIN_LENGTH = 2
SUGGEST_HITS_PER_AREA = 5


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
    exact = exact_hit(results)
    if exact is not None:  # a whole ticket number: open the ticket (OTOBO does the same)
        return redirect(exact.url)
    return render(request, "core/search.html", {"q": text, "results": results})


@agent_required()
def search_suggest(request):
    """The type-ahead of the top bar's search box (an htmx partial): the first hits per area."""
    text = request.GET.get("q", "").strip()
    results = []
    if len(text) >= SUGGEST_MIN_LENGTH:
        results = [
            (provider, hits[:SUGGEST_HITS_PER_AREA])
            for provider, hits in search_everything(request.user, text)
        ]
    return render(request, "core/includes/search_suggestions.html", {"q": text, "results": results})
