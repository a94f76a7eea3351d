from django.contrib.auth.base_user import BaseUserManager
from django.db import transaction


class AgentManager(BaseUserManager):
    use_in_migrations = True

    def get_by_natural_key(self, username):
        return self.get(login__iexact=username)

    def create_user(self, login, email, password=None, **fields):
        if not login:
            raise ValueError("An agent needs a login.")
        if not email:
            raise ValueError("An agent needs an email address.")
        agent = self.model(login=login, email=self.normalize_email(email), **fields)
        agent.set_password(password)
        agent.save(using=self._db)
        return agent

    @transaction.atomic
    def create_superuser(self, login, email, password=None, **fields):
        """An agent with every right: superuser flag plus the itsm_admin role when it exists."""
        fields["is_superuser"] = True
        fields.setdefault("first_name", "Admin")
        fields.setdefault("last_name", "OpsDesk")
        agent = self.create_user(login, email, password, **fields)
        from .services import ensure_default_groups_and_roles

        roles = ensure_default_groups_and_roles()
        agent.roles.add(roles["itsm_admin"])
        return agent
