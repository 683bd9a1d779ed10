"""manage.py refresh_targeting_facts: bring the grants' copy of registry facts up to date."""

from django.core.management.base import BaseCommand

from lotus.grants.services.facts import facts_refresh


class Command(BaseCommand):
    help = (
        "Bring the targeting facts (the narrow table grants criteria are evaluated on) up to "
        "date with the registry. Previews and runs do this themselves; run it after a large "
        "import so that the first preview does not pay for it, or with --full after changing "
        "persons by SQL without a history row."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--full", action="store_true", help="derive every row again, whatever changed"
        )

    def handle(self, *args, **options):
        result = facts_refresh(full=options["full"])
        if result.mode == "none":
            self.stdout.write("Targeting facts already up to date.")
        else:
            self.stdout.write(
                f"Targeting facts {'rebuilt' if result.mode == 'rebuild' else 'refreshed'}: "
                f"{result.persons:,} persons, {result.households:,} households."
            )
