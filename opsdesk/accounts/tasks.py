"""Background work of the accounts area, run by the Huey consumer."""

from huey.contrib.djhuey import db_task


@db_task()
def send_password_reset_mail(agent_id: int, base_url: str) -> None:
    """Send the lost-password mail outside the request, so the answer's timing reveals nothing."""
    from .models import Agent
    from .services import send_password_reset_email

    agent = Agent.objects.filter(pk=agent_id, is_active=True).first()
    if agent is not None:
        send_password_reset_email(agent=agent, base_url=base_url)
