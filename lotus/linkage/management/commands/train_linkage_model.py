from pathlib import Path

from django.core.management.base import BaseCommand

from lotus.linkage.model import MODEL_PATH
from lotus.linkage.training import TRAINING_SEED, train_model


class Command(BaseCommand):
    help = (
        "Re-estimate the linkage model's m and u probabilities on synthetic data and write "
        "the Splink model JSON shipped with Lotus (lotus/linkage/model/splink_model.json)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--records", type=int, default=300_000)
        parser.add_argument("--seed", type=int, default=TRAINING_SEED)
        parser.add_argument("--out", type=Path, default=MODEL_PATH)

    def handle(self, *args, records, seed, out, **options):
        model = train_model(n=records, seed=seed, out=out)
        self.stdout.write(f"Wrote {out}: {model['lotus']['trained_on']}")
