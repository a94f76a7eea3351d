from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST

from opsdesk.core import menu
from opsdesk.core.http import safe_next_url
from opsdesk.core.permissions import agent_meets

from . import throttling
from .backends import AgentBackend
from .choices import StartView
from .forms import LoginForm, TOTPForm
from .middleware import SESSION_GENERATION_KEY
from .models import Agent
from .services import log_out_everywhere, record_successful_login

PENDING_2FA_KEY = "opsdesk_pending_2fa_agent"
NEXT_KEY = "opsdesk_login_next"


def _start_view(agent: Agent) -> str:
    """The agent's chosen view after login (Miscellaneous preferences), where the agent may go."""
    if agent.start_view == StartView.TICKETS:
        tickets = menu.find("tickets")
        if tickets.url and agent_meets(agent, tickets.required):
            return tickets.url
    return reverse("core:dashboard")


def _complete_login(request, agent: Agent, next_url: str | None):
    login(request, agent, backend="opsdesk.accounts.backends.AgentBackend")
    request.session[SESSION_GENERATION_KEY] = agent.session_generation
    record_successful_login(agent)
    response = redirect(next_url or _start_view(agent))
    response.set_cookie("django_language", agent.language, samesite="Lax")
    return response


@sensitive_post_parameters("password")
@csrf_protect
@never_cache
def login_view(request):
    """Agent sign-in with login or email; throttled; hands over to the TOTP step when enabled."""
    if request.user.is_authenticated:
        return redirect(_start_view(request.user))
    next_url = safe_next_url(request, request.POST.get("next") or request.GET.get("next"))
    form = LoginForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        username = form.cleaned_data["username"]
        address = throttling.client_address(request)
        refusal = throttling.login_refusal(username, address)
        if refusal:
            form.add_error(None, refusal)
        else:
            agent = AgentBackend().authenticate(
                request, username=username, password=form.cleaned_data["password"]
            )
            if agent is None:
                throttling.record_failure(username, address)
                form.add_error(
                    None, _("Login failed: wrong login or password, or the account is invalid.")
                )
            elif agent.totp_enabled and agent.totp_secret:
                request.session[PENDING_2FA_KEY] = agent.pk
                request.session[NEXT_KEY] = next_url
                return redirect("accounts:login_2fa")
            else:
                return _complete_login(request, agent, next_url)
    return render(request, "accounts/login.html", {"form": form, "next": next_url or ""})


@csrf_protect
@never_cache
def login_2fa_view(request):
    """Second step of the sign-in for agents with TOTP enabled."""
    agent = Agent.objects.filter(pk=request.session.get(PENDING_2FA_KEY), is_active=True).first()
    if agent is None:
        return redirect("accounts:login")
    form = TOTPForm(request.POST or None, secret=agent.totp_secret)
    if request.method == "POST":
        address = throttling.client_address(request)
        refusal = throttling.login_refusal(agent.login, address)
        if refusal:
            form.add_error(None, refusal)
        elif form.is_valid():
            next_url = request.session.pop(NEXT_KEY, None)
            request.session.pop(PENDING_2FA_KEY, None)
            return _complete_login(request, agent, next_url)
        else:
            throttling.record_failure(agent.login, address)
    return render(request, "accounts/login_2fa.html", {"form": form})


@require_POST
def logout_view(request):
    logout(request)
    messages.info(request, _("You have been logged out."))
    return redirect("accounts:login")


@require_POST
@login_required
def logout_everywhere_view(request):
    """End every session of this agent, on every device, including this one."""
    log_out_everywhere(request.user)
    logout(request)
    messages.info(request, _("You have been logged out on every device."))
    return redirect("accounts:login")
