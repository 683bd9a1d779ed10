"""`manage.py run_demo` (make demo): which steps run, the logins it prints, and a real run."""

import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request

import pytest
from django.conf import settings

from lotus.core.management.commands.run_demo import (
    demo_steps,
    geography_loaded,
    logins_table,
    worker_stop,
)
from lotus.geo.tests.factories import CommuneFactory

START_TIMEOUT = 300


def test_demo_steps_load_geography_when_missing():
    steps = demo_steps(persons=10, geography_loaded=False)
    assert steps[0].command == "load_geography"


def test_demo_steps_skip_loaded_geography():
    steps = demo_steps(persons=10, geography_loaded=True)
    assert "load_geography" not in [step.command for step in steps]


def test_demo_steps_pass_persons_to_generate_demo():
    steps = {step.command: step.args for step in demo_steps(persons=25, geography_loaded=True)}
    assert steps["generate_demo"] == ("--persons", "25")


@pytest.mark.django_db
def test_geography_loaded_is_false_for_a_few_communes():
    CommuneFactory()
    assert geography_loaded() is False


def test_logins_table_lists_each_login_with_its_password():
    table = logins_table([("commune", "pw-1", "Commune officer", "Cán bộ Hội xã")])
    assert table.splitlines()[-1].split()[:2] == ["commune", "pw-1"]


def test_worker_stop_ends_a_running_process():
    process = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    worker_stop(process, timeout=10)
    assert process.poll() is not None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _read_until(process: subprocess.Popen, pattern: str, seen: list[str]) -> re.Match:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            break
        seen.append(line)
        match = re.search(pattern, line)
        if match:
            return match
    raise AssertionError(f"run_demo never printed {pattern!r}:\n{''.join(seen)}")


@pytest.mark.skipif(
    os.environ.get("LOTUS_DB") == "postgres", reason="the demo runs on SQLite by design"
)
def test_run_demo_serves_the_site_and_stops_its_worker(tmp_path):
    port = _free_port()
    env = {**os.environ, "LOTUS_SQLITE_PATH": str(tmp_path / "demo.sqlite3")}
    env.pop("LOTUS_DB", None)
    process = subprocess.Popen(
        [sys.executable, "manage.py", "run_demo", "--port", str(port), "--persons", "20"],
        cwd=settings.BASE_DIR,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    seen: list[str] = []
    try:
        worker_pid = int(_read_until(process, r"Task worker started \(process (\d+)\)", seen)[1])
        _read_until(process, rf"Lotus is at http://127\.0\.0\.1:{port}/", seen)
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/accounts/login/") as page:
            page_status = page.status
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/static/core/lotus.css") as css:
            css_status = css.status
        process.send_signal(signal.SIGTERM)
        exit_code = process.wait(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    with pytest.raises(ProcessLookupError):
        os.kill(worker_pid, 0)
    assert (page_status, css_status, exit_code) == (200, 200, 0)
