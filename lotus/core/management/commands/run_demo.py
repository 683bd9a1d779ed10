"""`manage.py run_demo`: the demo database, the task worker and the site, in one command.

`make demo` runs this. It migrates the SQLite database, loads the geography, generates the
demo people, creates one login per role and collects the static files (each step leaves
what already exists alone, so a second run starts quickly), then serves Lotus with
waitress in the foreground while `manage.py db_worker` runs the background tasks as a
child process. Stopping the server (Ctrl-C or SIGTERM) stops the worker too.
"""

import io
import signal
import subprocess
import sys
import time
from dataclasses import dataclass

from django.core.management import call_command, get_commands
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import translation

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000
DEFAULT_PERSONS = 10_000
# A worker stopped with SIGTERM finishes the task in hand first; an import of many rows may
# take this long before the worker is killed.
WORKER_STOP_TIMEOUT = 30
# Viet Nam since 1 July 2025.
PROVINCES = 34
COMMUNES = 3321


@dataclass(frozen=True)
class Step:
    command: str
    args: tuple[str, ...] = ()
    # Whether to echo what the command printed (the logins get their own table).
    show_output: bool = True


MIGRATE = Step("migrate", ("--noinput",), show_output=False)


def demo_steps(*, persons: int, geography_loaded: bool) -> list[Step]:
    """The commands that fill the migrated demo database, in order.

    The geography loader changes nothing on a second run but takes seconds to compare, so a
    database that already holds the whole country skips it.
    """
    steps = []
    if not geography_loaded:
        steps.append(Step("load_geography"))
    steps += [
        Step("generate_demo", ("--persons", str(persons))),
        Step("create_demo_users", show_output=False),
        Step("collectstatic", ("--noinput",), show_output=False),
    ]
    return steps


def geography_loaded() -> bool:
    """Whether the whole geography (34 provinces, 3,321 communes, the old units) is loaded."""
    from lotus.geo.models import Commune, CommuneSuccession, Province

    return (
        Province.objects.count() >= PROVINCES
        and Commune.objects.count() >= COMMUNES
        and CommuneSuccession.objects.exists()
    )


def worker_command() -> list[str]:
    """The task worker, run with this Python and these settings, over every queue."""
    return [
        sys.executable,
        "-m",
        "django",
        "db_worker",
        "--queue-name",
        "*",
        "--no-reload",
        "--no-startup-delay",
    ]


def worker_start() -> subprocess.Popen:
    """Start the task worker in its own session so that it gets one signal, from us."""
    return subprocess.Popen(worker_command(), start_new_session=True)


def worker_stop(process: subprocess.Popen, *, timeout: float = WORKER_STOP_TIMEOUT) -> int:
    """Ask the worker to stop, kill it if it has not within `timeout` seconds; its exit code."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    return process.returncode


def demo_logins() -> list[tuple[str, ...]]:
    """(login, password, role in English, role in Vietnamese) of each demo user."""
    from lotus.accounts.demo import DEMO_LOGINS, DEMO_PASSWORD
    from lotus.accounts.roles import Role

    rows = []
    for login in DEMO_LOGINS:
        label = Role(login.role).label
        with translation.override("en"):
            english = str(label)
        with translation.override("vi"):
            vietnamese = str(label)
        rows.append((login.username, DEMO_PASSWORD, english, vietnamese))
    return rows


def logins_table(rows: list[tuple[str, ...]]) -> str:
    """A plain-text table of the demo logins."""
    header = ("Login", "Password", "Role", "Vai trò")
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
    lines = [
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        for row in [header, *rows]
    ]
    lines.insert(1, "  ".join("-" * width for width in widths))
    return "\n".join(lines)


def _raise_system_exit(signum: int, frame: object) -> None:
    raise SystemExit(128 + signum)


class Command(BaseCommand):
    help = (
        "Prepare the demo database (migrate, geography, demo people, demo logins, static "
        "files), then serve Lotus with the task worker running. Steps skip what exists."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default=DEFAULT_HOST)
        parser.add_argument("--port", type=int, default=DEFAULT_PORT)
        parser.add_argument(
            "--persons",
            type=int,
            default=DEFAULT_PERSONS,
            help=f"demo persons to generate on the first run (default {DEFAULT_PERSONS})",
        )
        parser.add_argument("--threads", type=int, default=8, help="server threads")
        parser.add_argument(
            "--no-serve",
            action="store_true",
            help="prepare the database and print the logins, then stop",
        )

    def handle(self, *args, host: str, port: int, persons: int, threads: int, **options):
        self.prepare(persons=persons)
        if options["no_serve"]:
            self.announce(f"http://{host}:{port}/")
            return
        self.serve(host=host, port=port, threads=threads)

    def prepare(self, *, persons: int) -> None:
        available = get_commands()
        self.run_step(MIGRATE)
        loaded = "load_geography" in available and geography_loaded()
        if loaded:
            self.stdout.write("- load_geography: the whole country is loaded already, skipped")
        for step in demo_steps(persons=persons, geography_loaded=loaded):
            if step.command not in available:
                self.stdout.write(f"- {step.command}: not in this version of Lotus, skipped")
                continue
            self.run_step(step)

    def run_step(self, step: Step) -> None:
        self.stdout.write(f"- {' '.join([step.command, *step.args])}")
        started = time.monotonic()
        output = io.StringIO()
        call_command(step.command, *step.args, verbosity=0, stdout=output)
        if step.show_output:
            for line in output.getvalue().splitlines():
                self.stdout.write(f"    {line}")
        self.stdout.write(f"  done in {time.monotonic() - started:.1f} s")

    def announce(self, address: str) -> None:
        if "create_demo_users" in get_commands():
            self.stdout.write("\nDemo logins (one per role):\n")
            self.stdout.write(logins_table(demo_logins()))
        self.stdout.write(self.style.SUCCESS(f"\nLotus is at {address}\n"))

    def serve(self, *, host: str, port: int, threads: int) -> None:
        from django.core.wsgi import get_wsgi_application
        from waitress.server import create_server

        # Built after collectstatic: WhiteNoise indexes the static files when it starts.
        application = get_wsgi_application()
        try:
            server = create_server(application, host=host, port=port, threads=threads)
        except OSError as exc:
            raise CommandError(
                f"Cannot listen on {host}:{port} ({exc.strerror}); is another Lotus running? "
                "Choose another port with --port."
            ) from exc
        # SIGTERM (and a closed terminal) stop the server the way Ctrl-C does.
        signal.signal(signal.SIGTERM, _raise_system_exit)
        signal.signal(signal.SIGHUP, _raise_system_exit)
        worker = worker_start()
        try:
            self.stdout.write(f"Task worker started (process {worker.pid}).")
            self.announce(f"http://{host}:{port}/")
            self.stdout.write("Press Ctrl-C to stop.")
            self.stdout.flush()
            server.run()
        finally:
            server.close()
            self.stdout.write("Stopping the task worker...")
            worker_stop(worker)
            self.stdout.write("Stopped.")
