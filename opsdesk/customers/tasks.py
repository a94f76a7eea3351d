"""Background work of the customers area, run by the Huey consumer."""

from huey.contrib.djhuey import db_task


@db_task()
def send_set_password_mail(customer_user_id: int, base_url: str, welcome: bool = False) -> None:
    """Mail a customer user a set-password link outside the request (the lost-password page
    answers as fast whether or not the user exists). Invalid users get nothing."""
    from . import services
    from .models import CustomerUser

    user = CustomerUser.objects.filter(pk=customer_user_id).first()
    if user is not None:
        services.send_set_password_email(user, base_url=base_url, welcome=welcome)
