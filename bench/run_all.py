"""Run every benchmark in bench/ and print its figures: `make bench`.

Each bench/*.py (but this runner and files starting with "_") runs as its own process
with the project's Python and settings, against its own copy of a fresh SQLite database
in a temporary folder: migrated, with the geography loaded once the loader exists. A
benchmark never touches the demo database. Under `scripts/with-postgres` (LOTUS_DB set)
the benchmarks share the throwaway PostgreSQL database instead, one after the other.

    .venv/bin/python bench/run_all.py            # all of them
    .venv/bin/python bench/run_all.py dedup      # those whose name contains "dedup"
"""

import argparse
import os
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent
SETTINGS = "lotus.settings"


def bench_scripts(selected: list[str]) -> list[Path]:
    """The benchmark scripts to run, by name, filtered by any of `selected` if given."""
    scripts = sorted(
        path
        for path in BENCH_DIR.glob("*.py")
        if path.name != Path(__file__).name and not path.name.startswith("_")
    )
    if selected:
        scripts = [path for path in scripts if any(word in path.stem for word in selected)]
    return scripts


def base_env(database: Path | None) -> dict[str, str]:
    """This environment with the project's settings, pointed at `database` for SQLite."""
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": SETTINGS}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    if database is not None:
        env["LOTUS_SQLITE_PATH"] = str(database)
    return env


def prepare_database(env: dict[str, str]) -> None:
    """Migrate the benchmark database and load the geography into it.

    What the commands print is shown only when one fails.
    """
    manage = [sys.executable, str(ROOT / "manage.py")]
    commands = [[*manage, "migrate", "--noinput", "-v", "0"]]
    if list(ROOT.glob("lotus/*/management/commands/load_geography.py")):
        commands.append([*manage, "load_geography", "-v", "0"])
    for command in commands:
        done = subprocess.run(
            command, env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
        )
        if done.returncode != 0:
            print(done.stdout, file=sys.stderr)
            done.check_returncode()


def copy_database(source: Path, target: Path) -> None:
    """A consistent copy of an SQLite database, WAL included."""
    with sqlite3.connect(source) as src, sqlite3.connect(target) as dst:
        src.backup(dst)


def run_one(script: Path, env: dict[str, str]) -> tuple[int, float]:
    """Run one benchmark with its output going straight to ours; (exit code, seconds)."""
    print(f"\n=== bench/{script.name} ===", flush=True)
    started = time.perf_counter()
    code = subprocess.run([sys.executable, str(script)], env=env, cwd=ROOT).returncode
    return code, time.perf_counter() - started


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", help="run only benchmarks whose name has one")
    args = parser.parse_args(argv)
    scripts = bench_scripts(args.names)
    if not scripts:
        print("No benchmarks found in bench/.", file=sys.stderr)
        return 1

    on_postgres = os.environ.get("LOTUS_DB") == "postgres"
    results: list[tuple[str, int, float]] = []
    with tempfile.TemporaryDirectory(prefix="lotus-bench-") as tmp:
        template = None if on_postgres else Path(tmp) / "template.sqlite3"
        started = time.perf_counter()
        try:
            prepare_database(base_env(template))
        except subprocess.CalledProcessError as exc:
            print(f"Preparing the benchmark database failed: {exc}", file=sys.stderr)
            return 1
        print(f"Benchmark database ready in {time.perf_counter() - started:.1f} s", flush=True)
        for script in scripts:
            database = None
            if template is not None:
                database = Path(tmp) / f"{script.stem}.sqlite3"
                copy_database(template, database)
            code, seconds = run_one(script, base_env(database))
            results.append((script.name, code, seconds))
            if database is not None:
                for leftover in Path(tmp).glob(f"{script.stem}.sqlite3*"):
                    leftover.unlink()

    print("\n=== summary ===")
    width = max(len(name) for name, _, _ in results)
    for name, code, seconds in results:
        status = "ok" if code == 0 else f"FAILED (exit {code})"
        print(f"{name.ljust(width)}  {seconds:8.1f} s  {status}")
    return 0 if all(code == 0 for _, code, _ in results) else 1


if __name__ == "__main__":
    sys.exit(main())
