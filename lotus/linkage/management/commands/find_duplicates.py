import sys
import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from lotus.linkage.services import EXPORT_THRESHOLD, duplicates_export, duplicates_find


def _probability(value: str) -> float:
    number = float(value)
    if not 0 < number <= 1:
        raise ValueError(value)
    return number


class Command(BaseCommand):
    help = (
        "Link the whole live registry and queue the likely duplicates for review. With "
        "--export FILE (or - for standard output), write one CSV row per unordered pair at or "
        f"above --threshold (default {EXPORT_THRESHOLD}): source_id_l,source_id_r,"
        "match_probability,cluster_id, where a record without a source id is person:<id> and "
        "clusters are the connected pairs at the same threshold. Pairs a reviewer decided are "
        "different persons are left out."
    )

    def add_arguments(self, parser):
        parser.add_argument("--export", metavar="FILE", help="CSV file to write (- for stdout)")
        parser.add_argument(
            "--threshold",
            type=_probability,
            default=EXPORT_THRESHOLD,
            help=f"match probability, 0 < P ≤ 1 (default {EXPORT_THRESHOLD})",
        )
        parser.add_argument("--no-queue", action="store_true", help="do not fill the queue")
        parser.add_argument("--backend", choices=("duckdb", "spark"), default=None)

    def handle(self, *args, export, threshold, no_queue, backend, **options):
        started = time.monotonic()
        run = duplicates_find(threshold=threshold, backend=backend, queue=not no_queue)
        if export:
            if export == "-":
                duplicates_export(predictions=run.predictions, out=sys.stdout)
            else:
                path = Path(export)
                if not path.parent.exists():
                    raise CommandError(f"No such directory: {path.parent}")
                with path.open("w", encoding="utf-8", newline="") as out:
                    duplicates_export(predictions=run.predictions, out=out)
        summary = (
            f"{run.records} persons linked in {time.monotonic() - started:.1f} s: "
            f"{len(run.predictions)} pairs at or above {threshold}."
        )
        (self.stderr if export == "-" else self.stdout).write(summary)
