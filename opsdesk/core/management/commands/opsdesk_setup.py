from django.core.management import BaseCommand, call_command

from opsdesk.accounts.demo import DEMO_AGENTS, DEMO_PASSWORD, seed_demo_agents
from opsdesk.accounts.services import ensure_default_groups_and_roles
from opsdesk.customers.demo import DEMO_PORTAL_LOGINS, seed_demo_customers
from opsdesk.tickets.demo import seed_demo_tickets


class Command(BaseCommand):
    help = "Migrate the database, seed the default groups and roles, and (with --demo) demo data."

    def add_arguments(self, parser):
        parser.add_argument("--demo", action="store_true", help="Seed demo data when missing.")

    def handle(self, *args, demo=False, **options):
        call_command("migrate", interactive=False, verbosity=0)
        ensure_default_groups_and_roles()
        if demo:
            created = seed_demo_agents()
            if created:
                self.stdout.write(f"Demo data seeded: {len(created)} agents.")
            self.stdout.write(f"Demo logins (password for all: {DEMO_PASSWORD}):")
            for login, (_first, _last, role, _language) in DEMO_AGENTS.items():
                self.stdout.write(f"  {login:<8} {role}")
            companies, customer_users = seed_demo_customers()
            if companies or customer_users:
                self.stdout.write(
                    f"Demo customers seeded: {len(companies)} companies, "
                    f"{len(customer_users)} customer users."
                )
            tickets = seed_demo_tickets()
            if tickets:
                self.stdout.write(f"Demo tickets seeded: {len(tickets)}")
            self.stdout.write(
                f"Customer portal: /customer/ — logins: {', '.join(DEMO_PORTAL_LOGINS)} "
                f"(password: {DEMO_PASSWORD})"
            )
