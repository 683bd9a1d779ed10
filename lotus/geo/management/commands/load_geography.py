from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from lotus.geo.services import load_geography


class Command(BaseCommand):
    help = (
        "Load Viet Nam's 34 provinces and 3,321 communes of today, the 63 former provinces with "
        "their districts and communes, and which communes of today replaced each former one. "
        "Safe to run again: only differences are written."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--province",
            action="append",
            dest="provinces",
            metavar="CODE",
            help="Load only this province of today (code, e.g. 82); repeat for several.",
        )

    def handle(self, *args, provinces=None, **options):
        try:
            report = load_geography(provinces=provinces)
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        for name, counts in report.counts().items():
            self.stdout.write(
                f"{name}: {counts.created} created, {counts.updated} updated, "
                f"{counts.unchanged} unchanged, {counts.deleted} deleted"
            )
        rec = report.reconciliation
        self.stdout.write(
            f"vietnamadminunits' new wards matched to vietnam-provinces: {rec.matched_by_code} by "
            f"code, {rec.matched_by_province_and_name} by province and name, "
            f"{len(rec.unmatched_adminunits_wards)} unmatched; former communes without a "
            f"successor: {len(rec.legacy_communes_without_successor)}"
        )
        self.stdout.write(self.style.SUCCESS(f"Geography loaded in {report.seconds:.1f} s."))
