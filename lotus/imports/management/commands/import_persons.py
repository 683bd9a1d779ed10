from pathlib import Path

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from lotus.accounts.models import User
from lotus.imports.models import ImportJob, MappingProfile
from lotus.imports.reports import write_error_report, write_fix_file
from lotus.imports.services import import_job_create, import_job_run


class Command(BaseCommand):
    help = (
        "Import a file of persons (CSV, XLSX or KoboToolbox/ODK JSON) in this process, with a "
        "progress bar. Prints how many rows were stored, stored with warnings and rejected, "
        "and exits 0 once the file has been read, whatever rows failed. --errors writes the "
        "rows to fix: as XLSX (the officer's rows, bad cells highlighted) when PATH ends in "
        ".xlsx, else as the CSV error report."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="the file to import")
        parser.add_argument("--mapping", metavar="NAME", help="a saved column mapping profile")
        parser.add_argument(
            "--source-id-column",
            metavar="COL",
            default="",
            help="the header of the file's own record ID, as written (e.g. 'Mã')",
        )
        parser.add_argument("--errors", metavar="PATH", help="write the rows to fix here")
        parser.add_argument("--source", default="", help="source name (default: file name)")
        parser.add_argument(
            "--user", metavar="USERNAME", help="import as this user, within her scope"
        )
        parser.add_argument(
            "--workers", type=int, default=None, help="validating processes (default: setting)"
        )

    def handle(self, *args, **options):
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"No such file: {path}")
        profile = None
        if options["mapping"]:
            profile = MappingProfile.objects.filter(name=options["mapping"]).first()
            if profile is None:
                raise CommandError(f"No mapping profile named {options['mapping']!r}.")
        actor = None
        if options["user"]:
            actor = User.objects.filter(username=options["user"]).first()
            if actor is None:
                raise CommandError(f"No user named {options['user']!r}.")
        try:
            job = import_job_create(
                actor=actor,
                path=path,
                source=options["source"],
                source_id_column=options["source_id_column"],
                mapping_profile=profile,
                enqueue=False,
            )
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        except PermissionDenied as exc:
            raise CommandError("This user may not create persons.") from exc
        if job.status == ImportJob.Status.MAPPING:
            unknown = [h for h, m in zip(job.headers, job.mapping, strict=True) if m is None]
            raise CommandError(
                "Columns not recognised: "
                + ", ".join(repr(h) for h in unknown)
                + ". Save a mapping profile for them (web page) and pass --mapping NAME."
            )
        self._run(job, path, options["workers"])
        job.refresh_from_db()
        if job.status == ImportJob.Status.FAILED:
            raise CommandError(f"The file could not be read: {job.error}")
        self.stdout.write(
            f"Rows read: {job.rows_read}\n"
            f"Stored: {job.rows_stored}\n"
            f"Stored with warnings: {job.rows_warned}\n"
            f"Rejected: {job.rows_rejected}\n"
            f"Already imported: {job.rows_skipped}\n"
            f"Corrected: {job.rows_updated}\n"
            f"Cells repaired: {job.repaired_cells}; converted from TCVN3/VNI: {job.legacy_cells}"
        )
        if options["errors"]:
            target = Path(options["errors"])
            if target.suffix.lower() == ".xlsx":
                write_fix_file(job, str(target))
            else:
                write_error_report(job, target)
            self.stdout.write(f"Rows to fix written to {target}")

    def _run(self, job: ImportJob, path: Path, workers: int | None) -> None:
        # The raw stream under Django's OutputWrapper: the wrapper ends every write with a new
        # line, which would break the bar's in-place redraws.
        with tqdm(
            total=1000,
            unit="‰",
            desc=path.name[:30],
            file=self.stderr._out,
            bar_format="{desc}: {percentage:3.0f}%|{bar}| {postfix}",
        ) as bar:

            def progress(current: ImportJob, fraction: float) -> None:
                bar.n = int(fraction * 1000)
                bar.set_postfix_str(
                    f"{current.rows_read} read, {current.rows_stored + current.rows_warned} "
                    f"stored, {current.rows_rejected} rejected"
                )

            import_job_run(job=job, path=path, workers=workers, on_progress=progress)
