"""manage.py generate_demo: synthetic persons, households and the cash-grant scenario."""

import importlib
import importlib.util

from django.core.management.base import BaseCommand, CommandError

from lotus.accounts.demo import DemoGeographyMissing
from lotus.registry.demo import demo_communes, demo_persons_exist, generate_persons

GRANTS_DEMO_MODULE = "lotus.grants.demo"


class Command(BaseCommand):
    help = (
        "Generate synthetic women and households in communes of Đồng Tháp (the former Tiền "
        "Giang), Ho Chi Minh City, Hà Nội and Thái Nguyên, then the cash-grant scenario. "
        "Skips the persons when demo persons already exist. Needs the geography loaded."
    )

    def add_arguments(self, parser):
        parser.add_argument("--persons", type=int, default=10_000, help="how many persons")
        parser.add_argument("--seed", type=int, default=2026, help="random seed")

    def handle(self, *args, persons: int, seed: int, **options):
        if persons < 0:
            raise CommandError("--persons must be 0 or more.")
        if demo_persons_exist():
            self.stdout.write("Demo persons already exist; none generated.")
        else:
            try:
                communes = demo_communes()
            except DemoGeographyMissing as exc:
                raise CommandError(str(exc)) from exc
            report = generate_persons(count=persons, seed=seed, communes=communes)
            for line in report.lines():
                self.stdout.write(line)
        # The grants app brings its own scenario once it exists; it skips what it has made.
        if importlib.util.find_spec(GRANTS_DEMO_MODULE) is not None:
            grants_demo = importlib.import_module(GRANTS_DEMO_MODULE)
            result = grants_demo.generate_grants_demo(seed=seed)
            if result is not None:
                self.stdout.write(str(result))
