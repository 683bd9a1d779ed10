"""Bulk import benchmark: N synthetic rows of a province's list, fully validated into the registry.

    .venv/bin/python bench/import_persons.py                 # 1,000,000 rows of CSV
    .venv/bin/python bench/import_persons.py --rows 100000
    .venv/bin/python bench/import_persons.py --xlsx          # then as many rows in an XLSX
    .venv/bin/python bench/import_persons.py --compare-rows 0  # without django-import-export

Goal (issue 13): 1,000,000 rows into SQLite in ≤ 60 s with peak memory ≤ 1 GiB. The registry
starts empty, so the million comes in as a bulk load (Person's look-up indexes are built after
the rows: lotus/registry/bulk_load.py); 100,000 more rows then go into the full registry with
the indexes kept up to date row by row (--more-rows), the everyday case. Prints rows/s,
time and the peak resident memory (ru_maxrss) of this process and of its largest child: the
validating workers (whose shared, copy-on-write pages count in full), the child writing the
files (so that this process's heap is the imports' own), or the migrate and geography set-up
when this script made its own database. The linkage of the new persons is
left to bench/dedup.py.
In the same run, 10,000 of the rows go through django-import-export with a plain ModelResource
and the speed ratio is printed.

Uses the database in LOTUS_SQLITE_PATH when set (bench/run_all.py gives a migrated one with the
geography loaded); otherwise a temporary SQLite database, migrated here, with the geography.
"""

import argparse
import csv
import datetime as dt
import multiprocessing
import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lotus.settings")
TMP = Path(tempfile.mkdtemp(prefix="lotus-bench-import-"))
if "LOTUS_SQLITE_PATH" not in os.environ and os.environ.get("LOTUS_DB") != "postgres":
    os.environ["LOTUS_SQLITE_PATH"] = str(TMP / "bench.sqlite3")

HEADERS = [
    "STT", "Họ và tên", "Ngày sinh", "Giới tính", "Số CCCD", "Số điện thoại", "Địa chỉ",
    "Xã/Phường", "Huyện/Quận", "Tỉnh/Thành phố", "Dân tộc",
]  # fmt: skip
FAMILY = ["Nguyễn"] * 38 + ["Trần"] * 11 + ["Lê"] * 9 + ["Phạm"] * 7 + [
    "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô", "Dương", "Lý",
]  # fmt: skip
MIDDLE = ["Thị"] * 8 + ["Ngọc", "Thu", "Thanh", "Kim", "Minh", "Mỹ", "Bích", "Hồng", "Thị Kim"]
GIVEN = (
    "Hoa Lan Mai Hương Thảo Linh Hằng Hạnh Nga Nhung Phương Trang Tuyết Yến Xuân Vân Loan Liên "
    "Hà Hải Huyền Hiền Dung Duyên Giang Hồng Khánh Lệ Ly My Ngân Nguyệt Nhàn Oanh Quyên Sen "
    "Tâm Thơ Thủy Thúy Trinh Uyên Vy Ánh Bình Châu Diệp Đào Gấm Hậu Kiều Lài Mơ Nương Quế"
).split()
ETHNIC = ["Kinh"] * 17 + ["Khơ-me", "Hoa", "Chăm"]
PHONE_PREFIXES = ["090", "091", "093", "094", "096", "097", "098", "032", "033", "035", "038",
                  "070", "076", "077", "079", "081", "083", "085", "086", "088"]  # fmt: skip


def setup_database() -> None:
    """Migrate and load the geography, in child processes so this one's memory stays its own."""
    manage = [sys.executable, str(ROOT / "manage.py")]
    subprocess.run([*manage, "migrate", "--noinput", "-v", "0"], cwd=ROOT, check=True)
    check = "from lotus.geo.models import Commune; print(Commune.objects.count())"
    output = subprocess.run(
        [*manage, "shell", "-v", "0", "-c", check],
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    ).stdout.split()
    if not output or output[-1] == "0":
        subprocess.run([*manage, "load_geography", "-v", "0"], cwd=ROOT, check=True)


def places() -> list[tuple[str, str, str]]:
    """(commune, district, province) as lists write them: today's, and 20 % the former way."""
    from lotus.geo.models import Commune, LegacyCommune

    today = [(c, "", p) for c, p in Commune.objects.values_list("name", "province__name")]
    former = [
        (c, d, p)
        for c, d, p in LegacyCommune.objects.values_list(
            "name", "district__name", "district__province__name"
        )
    ]
    rng = random.Random(7)
    return rng.sample(today, min(len(today), 2000)) + rng.sample(former, min(len(former), 500))


def synthetic_rows(count: int, seed: int = 13):
    """Rows like a province's list: mostly clean, ~4 % damaged the usual ways."""
    from lotus.registry.validators import CCCD_PROVINCE_CODES

    rng = random.Random(seed)
    codes = sorted(CCCD_PROVINCE_CODES)
    spots = places()
    start = dt.date(1950, 1, 1).toordinal()
    span = dt.date(2005, 12, 31).toordinal() - start
    for n in range(1, count + 1):
        born = dt.date.fromordinal(start + rng.randrange(span))
        female = rng.random() < 0.93
        century = (born.year // 100 - 19) * 2 + (1 if female else 0)
        cccd = f"{rng.choice(codes)}{century}{born.year % 100:02d}{rng.randrange(10**6):06d}"
        phone = f"{rng.choice(PHONE_PREFIXES)}{rng.randrange(10**7):07d}"
        name = f"{rng.choice(FAMILY)} {rng.choice(MIDDLE)} {rng.choice(GIVEN)}"
        commune, district, province = rng.choice(spots)
        birth = born.strftime("%d/%m/%Y")
        damage = rng.random()
        if damage < 0.01 and cccd.startswith("0"):
            cccd = cccd[1:]  # lost its leading zero
        elif damage < 0.02:
            phone = phone[1:]
        elif damage < 0.025:
            birth = str((born - dt.date(1899, 12, 30)).days)  # serial number
        elif damage < 0.03:
            phone = phone[:6]  # invalid
        elif damage < 0.035:
            cccd = cccd[:7]  # invalid
        elif damage < 0.037:
            name = ""  # rejected
        yield [
            str(n), name, birth, "Nữ" if female else "Nam", cccd, phone,
            f"Ấp {rng.randrange(1, 12)}", commune, district, province, rng.choice(ETHNIC),
        ]  # fmt: skip


def in_a_child(write, *args) -> None:
    """Run a file writer in a forked child: this process's heap stays the imports' own.

    Generating a million rows here first left the import several seconds slower.
    """
    from django.db import connections

    connections.close_all()  # the child must not share this process's connection
    child = multiprocessing.get_context("fork").Process(target=write, args=args)
    child.start()
    child.join()
    if child.exitcode != 0:
        raise SystemExit(f"Writing {args[0]} failed.")


def write_csv(path: Path, count: int, seed: int = 13) -> None:
    with path.open("w", encoding="utf-8", newline="") as file:
        writer = csv.writer(file)
        writer.writerow(HEADERS)
        writer.writerows(synthetic_rows(count, seed=seed))


def write_xlsx(path: Path, count: int) -> None:
    """The same kind of rows (another seed, so none is already in the registry) as a sheet."""
    import xlsxwriter

    workbook = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    sheet = workbook.add_worksheet("Danh sách")
    sheet.write_row(0, 0, HEADERS)
    for index, row in enumerate(synthetic_rows(count, seed=29), start=1):
        sheet.write_row(index, 0, row)
    workbook.close()


def registry_size() -> int:
    from lotus.registry.models import Person

    return Person.all_objects.count()


def peak_mib(who: int) -> float:
    return resource.getrusage(who).ru_maxrss / 1024


def run_import(path: Path, workers: int | None) -> tuple[float, object]:
    from lotus.imports.services import import_job_create, import_job_run

    started = time.perf_counter()
    job = import_job_create(actor=None, path=path, source=f"bench {path.name}", enqueue=False)
    # The linkage of new persons is the deduplication benchmark's to measure (bench/dedup.py).
    import_job_run(job=job, path=path, workers=workers, link=False)
    seconds = time.perf_counter() - started
    job.refresh_from_db()
    return seconds, job


def report(label: str, seconds: float, job) -> float:
    rate = job.rows_read / seconds if seconds else 0.0
    print(f"{label}: {job.rows_read:,} rows in {seconds:.1f} s = {rate:,.0f} rows/s")
    print(
        f"  stored {job.rows_stored:,}, with warnings {job.rows_warned:,}, "
        f"rejected {job.rows_rejected:,}, already there {job.rows_skipped:,}, "
        f"cells repaired {job.repaired_cells:,}"
    )
    print(
        f"  peak memory: this process {peak_mib(resource.RUSAGE_SELF):,.0f} MiB, "
        f"largest worker {peak_mib(resource.RUSAGE_CHILDREN):,.0f} MiB"
    )
    return rate


def import_export_rate(path: Path, rows: int) -> float:
    """Rows per second of django-import-export importing `rows` rows with a plain ModelResource.

    It gets the rows ready for the model (place ids, ISO dates): it has no Vietnamese headers,
    repairs or placement of its own, so this measures its storage path only.
    """
    import tablib
    from import_export import resources

    from lotus.geo.selectors import place_address
    from lotus.registry.models import Person

    class PersonResource(resources.ModelResource):
        class Meta:
            model = Person
            fields = (
                "full_name", "birth_date", "birth_year", "sex", "cccd", "phone", "commune",
                "province", "address_text", "source", "source_id",
            )  # fmt: skip
            import_id_fields = ()

    data = tablib.Dataset(headers=list(PersonResource.Meta.fields))
    with path.open(encoding="utf-8") as file:
        reader = csv.reader(file)
        next(reader)
        for cells in reader:
            if len(data) >= rows:
                break
            try:
                born = dt.datetime.strptime(cells[2], "%d/%m/%Y").date()
            except ValueError:
                continue
            placement = place_address(
                "", commune_hint=cells[7], district_hint=cells[8], province_hint=cells[9]
            )
            if placement.province_id is None or not cells[1]:
                continue
            data.append(
                [cells[1], born.isoformat(), born.year, "F" if cells[3] == "Nữ" else "M",
                 cells[4], cells[5], placement.commune_id or "", placement.province_id,
                 cells[6], "bench import-export", f"ie:{cells[0]}"]
            )  # fmt: skip
    started = time.perf_counter()
    result = PersonResource().import_data(data, dry_run=False, raise_errors=True)
    seconds = time.perf_counter() - started
    imported = result.totals.get("new", 0)
    rate = imported / seconds
    print(f"django-import-export: {imported:,} rows in {seconds:.1f} s = {rate:,.0f} rows/s")
    return rate


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--xlsx", action="store_true", help="also import the rows as an XLSX")
    parser.add_argument("--compare-rows", type=int, default=10_000)
    parser.add_argument(
        "--more-rows",
        type=int,
        default=100_000,
        help="then import this many new rows into the registry the first file filled",
    )
    parser.add_argument(
        "--workers", type=int, default=None, help="validating processes (default: setting)"
    )
    parser.add_argument("--keep", action="store_true", help="keep the generated files")
    args = parser.parse_args()

    setup_database()
    import django

    django.setup()

    csv_path = TMP / f"danh-sach-{args.rows}.csv"
    started = time.perf_counter()
    in_a_child(write_csv, csv_path, args.rows)
    size = csv_path.stat().st_size / 2**20
    seconds = time.perf_counter() - started
    print(f"Generated {args.rows:,} rows ({size:,.0f} MiB CSV) in {seconds:.1f} s")

    held = registry_size()
    seconds, job = run_import(csv_path, args.workers)
    rate = report(f"Lotus import (CSV) into a registry of {held:,} persons", seconds, job)
    if args.rows >= 1_000_000:
        goal = seconds <= 60 and peak_mib(resource.RUSAGE_SELF) <= 1024
        print(f"  goal (1,000,000 rows ≤ 60 s, ≤ 1 GiB): {'met' if goal else 'NOT met'}")

    if args.more_rows:
        more_path = TMP / f"danh-sach-them-{args.more_rows}.csv"
        in_a_child(write_csv, more_path, args.more_rows, 31)
        held = registry_size()
        seconds, job = run_import(more_path, args.workers)
        report(f"Lotus import (CSV) into a registry of {held:,} persons", seconds, job)

    if args.compare_rows:
        ie_rate = import_export_rate(csv_path, args.compare_rows)
        print(f"Speed ratio Lotus / django-import-export: {rate / ie_rate:,.1f}×")

    if args.xlsx:
        xlsx_path = TMP / f"danh-sach-{args.rows}.xlsx"
        started = time.perf_counter()
        in_a_child(write_xlsx, xlsx_path, args.rows)
        print(f"Generated the XLSX in {time.perf_counter() - started:.1f} s")
        seconds, job = run_import(xlsx_path, args.workers)
        report("Lotus import (XLSX)", seconds, job)
    if not args.keep:
        shutil.rmtree(TMP, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
