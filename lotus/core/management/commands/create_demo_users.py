"""manage.py create_demo_users: one fixed demo login per role (idempotent)."""

from django.core.management.base import BaseCommand, CommandError

from lotus.accounts.demo import DEMO_PASSWORD, DemoGeographyMissing, demo_users_create


class Command(BaseCommand):
    help = (
        "Create the demo logins listed in README, one per role, with their union branches. "
        "Running it again changes nothing. Needs the geography loaded."
    )

    def handle(self, *args, **options):
        try:
            users = demo_users_create()
        except DemoGeographyMissing as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"Demo logins (password {DEMO_PASSWORD}):")
        for user in users:
            self.stdout.write(f"  {user.username:<11} {user.get_role_display()} – {user.branch}")
