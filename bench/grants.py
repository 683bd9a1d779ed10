"""Cash-grant benchmark on 1,000,000 registry persons (issue 14).

    .venv/bin/python bench/grants.py                  # 1,000,000 persons, 100,000 grants
    .venv/bin/python bench/grants.py --persons 200000 --grants 20000

Goals on this 2-core machine, SQLite:
  eligibility preview counts per province        ≤ 1 s
  eligibility + scoring + selection + payment list ≤ 10 s together
  reconciling a 100,000-line result file          ≤ 10 s

Uses the database in LOTUS_SQLITE_PATH when set (bench/run_all.py gives a migrated copy);
otherwise a temporary SQLite database, migrated here. The persons are written with
bulk_create in households (heads, spouses, children, elders), with consents, payout accounts
and a few restricted facts; writing them is not timed. The run uses HIV and GBV weights, so
it is run by a programme manager whose role may also read restricted facts
(Role.SENSITIVE_PROGRAMME_MANAGER), and it writes its one access-log row.

Targeting reads the registry through its facts table (lotus.grants.services.facts). Like
the registry itself, it is written once before the timed stages (its time is printed, as
a deployment or a big import would pay it once); every timed stage then refreshes it from
what changed, and one preview is timed after 1,000 persons were changed and newborns
added to households, so the refresh of changes is part of what the goal measures.
"""

import argparse
import atexit
import datetime as dt
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lotus.settings")
MIGRATE = [sys.executable, str(ROOT / "manage.py"), "migrate", "--noinput", "-v", "0"]
if os.environ.get("LOTUS_DB") == "postgres":
    subprocess.run(MIGRATE, cwd=ROOT, check=True)  # a no-op when bench/run_all.py did it
elif "LOTUS_SQLITE_PATH" not in os.environ:
    TMP = Path(tempfile.mkdtemp(prefix="lotus-bench-grants-"))
    atexit.register(shutil.rmtree, TMP, ignore_errors=True)
    os.environ["LOTUS_SQLITE_PATH"] = str(TMP / "bench.sqlite3")
    subprocess.run(MIGRATE, cwd=ROOT, check=True)

import django  # noqa: E402

django.setup()

from django.db import connection, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from lotus.accounts.models import Branch, User  # noqa: E402
from lotus.accounts.roles import Role  # noqa: E402
from lotus.geo.models import Commune, Province  # noqa: E402
from lotus.grants.models import Cycle, PaymentLine, PayoutAccount, Programme  # noqa: E402
from lotus.grants.selectors import eligibility_preview  # noqa: E402
from lotus.grants.services.cycles import (  # noqa: E402
    cycle_approve,
    cycle_criteria_save,
    cycle_lock_targeting,
)
from lotus.grants.services.facts import facts_refresh  # noqa: E402
from lotus.grants.services.payments import payment_list_issue  # noqa: E402
from lotus.grants.services.reconciliation import reconciliation_import  # noqa: E402
from lotus.grants.services.targeting import targeting_run  # noqa: E402
from lotus.registry.models import Consent, Household, Person, RestrictedFact  # noqa: E402

PURPOSE = "bench-grants"
REFERENCE = dt.date(2023, 10, 1)
BATCH = 10_000
GIVEN = "Hoa Lan Mai Hương Thảo Linh Hằng Hạnh Nga Nhung Phương Trang Tuyết Yến Xuân".split()
CRITERIA = {
    "op": "all",
    "items": [
        {"fact": "sex", "cmp": "is", "value": "F"},
        {"fact": "age", "cmp": "gte", "value": 18},
        {
            "op": "any",
            "items": [
                {"fact": "woman_headed", "cmp": "is", "value": True},
                {"fact": "pregnant", "cmp": "is", "value": True},
                {"fact": "child_under_2", "cmp": "is", "value": True},
                {"fact": "disability", "cmp": "is", "value": True},
                {"fact": "migrant_worker", "cmp": "is", "value": True},
                {"fact": "over_60", "cmp": "is", "value": True},
            ],
        },
    ],
}
WEIGHTS = {
    "woman_headed": 3, "pregnant": 3, "child_under_2": 2, "disability": 3, "migrant_worker": 1,
    "over_60": 2, "hiv": 4, "gbv_survivor": 4,
}  # fmt: skip


def geography() -> list[tuple[int, int]]:
    """(commune id, province id) pairs: the loaded geography, or 34 × 100 made-up places."""
    if not Commune.objects.exists():
        provinces = Province.objects.bulk_create(
            Province(code=f"{10 + i:02d}", name=f"Tỉnh {i}", name_folded=f"tinh {i}")
            for i in range(34)
        )
        Commune.objects.bulk_create(
            Commune(
                code=f"{p.pk:02d}{j:03d}",
                name=f"Xã {p.pk}-{j}",
                name_folded=f"xa {p.pk}-{j}",
                province=p,
            )
            for p in provinces
            for j in range(100)
        )
    return list(Commune.objects.values_list("pk", "province_id"))


def birth(rng: random.Random, low: int, high: int) -> dt.date:
    return dt.date(rng.randint(low, high), rng.randint(1, 12), rng.randint(1, 28))


def fast_insert(model, rows: list[dict]) -> None:
    """executemany of plain tuples: every column from the model, defaults filled in once.

    Django's bulk_create spends most of its time per object and per field; a million rows
    of the registry are written here in a fraction of that, with the same column values.
    """
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    now = timezone.now()
    template = {}
    for f in fields:
        if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
            value = now
        else:
            value = f.get_default()
        template[f.attname] = f.get_db_prep_save(value, connection)
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    marks = ", ".join(["%s"] * len(fields))
    table = connection.ops.quote_name(model._meta.db_table)
    adapt = connection.ops.adapt_datefield_value
    tuples = []
    for row in rows:
        values = dict(template)
        for key, value in row.items():
            values[key] = adapt(value) if isinstance(value, dt.date) else value
        tuples.append(tuple(values[f.attname] for f in fields))
    with connection.cursor() as cursor:
        for start in range(0, len(tuples), BATCH):
            cursor.executemany(
                f"INSERT INTO {table} ({columns}) VALUES ({marks})",
                tuples[start : start + BATCH],
            )


def person_row(rng, n, sex, born, commune, relationship, household_id) -> dict:
    given = rng.choice(GIVEN)
    female = sex == "F"
    adult = born.year <= 2005
    return {
        "full_name": f"Nguyễn Thị {given}",
        "family_name": "Nguyễn",
        "middle_name": "Thị",
        "given_name": given,
        "name_key": f"nguyen thi {given.lower()}",
        "birth_date": born,
        "birth_year": born.year,
        "birth_date_precision": "day",
        "sex": sex,
        "cccd": f"079{1 if female else 0}{born.year % 100:02d}{n % 1_000_000:06d}",
        "phone": f"+8490{n:07d}",
        "commune_id": commune[0],
        "province_id": commune[1],
        "household_id": household_id,
        "relationship_to_head": relationship,
        "is_pregnant": female and adult and born.year >= 1980 and rng.random() < 0.04,
        "is_migrant_worker": adult and rng.random() < 0.06,
        "has_disability": rng.random() < 0.04,
        "address_text": "Ấp 1",
    }


def make_persons(total: int) -> None:
    rng = random.Random(14)
    places = geography()
    made = 0
    n = 0
    while made < total:
        last = Household.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        chosen = [rng.choice(places) for _ in range(BATCH // 2)]
        fast_insert(Household, [{"commune_id": c[0], "province_id": c[1]} for c in chosen])
        households = Household.objects.filter(pk__gt=last).order_by("pk")
        rows: list[dict] = []
        for pk, commune_id, province_id in households.values_list(
            "pk", "commune_id", "province_id"
        ):
            place = (commune_id, province_id)
            head_sex = "F" if rng.random() < 0.55 else "M"
            members = [(head_sex, birth(rng, 1950, 2000), "head")]
            if rng.random() < 0.6:
                members.append(("M" if head_sex == "F" else "F", birth(rng, 1950, 2000), "spouse"))
            if rng.random() < 0.15:
                members.append((rng.choice("FM"), birth(rng, 2022, 2023), "child"))
            if rng.random() < 0.2:
                members.append(("F", birth(rng, 1935, 1962), "parent"))
            for sex, born, relationship in members:
                n += 1
                rows.append(person_row(rng, n, sex, born, place, relationship, pk))
        rows = rows[: total - made]
        fast_insert(Person, rows)
        made += len(rows)
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE registry_household SET head_id = (SELECT MIN(p.id) FROM registry_person p "
            "WHERE p.household_id = registry_household.id AND p.relationship_to_head = 'head')"
        )


def make_facts() -> None:
    rng = random.Random(15)
    women = list(Person.objects.filter(sex="F", birth_year__lte=2005).values_list("pk", flat=True))
    consents = [
        {
            "person_id": pk,
            "purpose": PURPOSE,
            "given_on": dt.date(2023, 5, 1),
            "method": "written",
            "text_version": "2023-05",
        }
        for pk in women
        if rng.random() < 0.9
    ]
    fast_insert(Consent, consents)
    RestrictedFact.objects.bulk_create(
        [
            RestrictedFact(person_id=pk, kind=rng.choice(["hiv_status", "gbv_survivor"]))
            for pk in rng.sample(women, len(women) // 200)
        ],
        batch_size=BATCH,
    )
    accounts = []
    for pk in women:
        draw = rng.random()
        if draw < 0.45:
            accounts.append(
                PayoutAccount(
                    person_id=pk,
                    channel="bank",
                    provider="Agribank",
                    account_number=f"7100{pk:09d}",
                )
            )
        elif draw < 0.65:
            accounts.append(
                PayoutAccount(
                    person_id=pk,
                    channel="ewallet",
                    provider="MoMo",
                    account_number=f"09{pk:08d}",
                )
            )
    PayoutAccount.objects.bulk_create(accounts, batch_size=BATCH)


def users() -> tuple[User, User]:
    """The manager (who may target on restricted facts) and the finance officer approving."""
    central, _ = Branch.objects.get_or_create(level="central", defaults={"name": "Trung ương"})
    manager = User.objects.create(
        username="bench-manager", role=Role.SENSITIVE_PROGRAMME_MANAGER, branch=central
    )
    finance = User.objects.create(
        username="bench-finance", role=Role.FINANCE_OFFICER, branch=central
    )
    return manager, finance


def change_registry(count: int) -> int:
    """Edit `count` persons the way officers do (each save writes a history row).

    Four in five are women whose pregnancy is recorded or cleared; the rest are newborns
    added to those women's households, which changes the household facts of every member.
    Returns how many persons were saved.
    """
    rng = random.Random(17)
    women = list(Person.objects.filter(sex="F").values_list("pk", flat=True))
    edited = list(Person.objects.filter(pk__in=rng.sample(women, count * 4 // 5)))
    for woman in edited:
        woman.is_pregnant = not woman.is_pregnant
        woman.save()
    mothers = [w for w in edited if w.household_id is not None][: count - len(edited)]
    for n, mother in enumerate(mothers):
        born = dt.date(2023, 6, 1 + n % 28)
        Person(
            full_name="Nguyễn Văn An", family_name="Nguyễn", given_name="An",
            name_key="nguyen van an", birth_date=born, birth_year=born.year, sex="M",
            commune_id=mother.commune_id, province_id=mother.province_id,
            household_id=mother.household_id, relationship_to_head="child",
        ).save()  # fmt: skip
    return len(edited) + len(mothers)


def result_file(cycle: Cycle, unmatched: int) -> bytes:
    rng = random.Random(16)
    references = list(
        PaymentLine.objects.filter(cycle=cycle).order_by("pk").values_list("reference", flat=True)
    )
    lines = ["reference,status,amount,date,note"]
    for reference in references[: len(references) - unmatched]:
        if rng.random() < 0.97:
            lines.append(f"{reference},paid,{cycle.amount_per_person},2023-11-05,")
        else:
            lines.append(f"{reference},failed,,2023-11-05,account closed")
    for i in range(unmatched):
        lines.append(f"LT99999{i:07d}00,paid,{cycle.amount_per_person},2023-11-05,")
    return "\n".join(lines).encode()


def timed(label: str, func, *args, **kwargs):
    """Run and print wall time, and this process's CPU time (SQLite works inside it)."""
    started, cpu = time.perf_counter(), time.process_time()
    result = func(*args, **kwargs)
    seconds = time.perf_counter() - started
    print(f"{label:<52} {seconds:7.2f} s  (cpu {time.process_time() - cpu:6.2f} s)", flush=True)
    return result, seconds


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--persons", type=int, default=1_000_000)
    parser.add_argument("--grants", type=int, default=100_000)
    parser.add_argument("--keep", action="store_true", help="stop after writing the persons")
    args = parser.parse_args()

    print(f"load average at start: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    started = time.perf_counter()
    with transaction.atomic():
        make_persons(args.persons)
        make_facts()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    print(
        f"Wrote {Person.objects.count():,} persons, {Household.objects.count():,} households, "
        f"{Consent.objects.count():,} consents in {time.perf_counter() - started:.1f} s "
        f"({connection.vendor})",
        flush=True,
    )
    if args.keep:
        return 0
    timed("targeting facts written (once, then kept up to date)", facts_refresh, full=True)
    manager, finance = users()
    programme = Programme.objects.create(
        name="Bench programme", donors="Government of Australia", consent_purpose=PURPOSE,
        starts_on=dt.date(2023, 1, 1), ends_on=dt.date(2024, 12, 31), created_by=manager,
        second_approval_above=10**15,
    )  # fmt: skip
    cycle = Cycle.objects.create(
        programme=programme, name="Bench cycle", amount_per_person=5_500_000,
        grant_count=args.grants, reference_date=REFERENCE, created_by=manager,
        quota_mode=Cycle.QuotaMode.PROPORTIONAL,
    )  # fmt: skip
    cycle.provinces.set(Province.objects.all())
    cycle_criteria_save(actor=manager, cycle=cycle, criteria=CRITERIA, weights=WEIGHTS)

    rows, preview = timed(
        "eligibility preview (counts per province)",
        eligibility_preview,
        user=manager,
        cycle=cycle,
        criteria=CRITERIA,
    )
    print(f"  eligible {sum(r.eligible for r in rows):,}")
    changes = change_registry(max(10, min(1000, args.persons // 1000)))
    rows, preview_changed = timed(
        f"eligibility preview after {changes:,} registry changes",
        eligibility_preview,
        user=manager,
        cycle=cycle,
        criteria=CRITERIA,
    )
    print(f"  eligible {sum(r.eligible for r in rows):,}")
    run, t_run = timed("eligibility + scoring + ranking + selection", targeting_run,
                       actor=manager, cycle=cycle)  # fmt: skip
    print(f"  selected {run.selected_count:,} of {run.eligible_count:,} eligible; "
          f"fingerprint {run.fingerprint[:16]}…")  # fmt: skip
    _, t_lock = timed("lock + approve", lambda: (
        cycle_lock_targeting(actor=manager, cycle=cycle), cycle_approve(actor=finance, cycle=cycle)
    ))  # fmt: skip
    batch, t_issue = timed("payment list generation", payment_list_issue,
                           actor=manager, cycle=cycle)  # fmt: skip
    print(f"  {batch.line_count:,} payment lines, total {batch.total:,} VND")
    together = t_run + t_lock + t_issue
    print(f"{'eligibility → payment list together':<52} {together:7.2f} s")

    content = result_file(cycle, unmatched=500)
    line_count = content.count(b"\n")
    imported, t_rec = timed(f"reconciling a {line_count:,}-line result file",
                            reconciliation_import, actor=manager, cycle=cycle,
                            filename="result.csv", content=content)  # fmt: skip
    print(f"  paid {imported.paid_applied:,}, failed {imported.failed_applied:,}, "
          f"unmatched {imported.unmatched:,}")  # fmt: skip
    timed("re-importing the same file", reconciliation_import, actor=manager,
                       cycle=cycle, filename="result.csv", content=content)  # fmt: skip
    cycle.refresh_from_db()
    print(f"  cycle paid {cycle.paid_count:,} women, {cycle.total_paid:,} VND")

    print(f"load average at end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    goals = [(preview, 1.0), (preview_changed, 1.0), (together, 10.0), (t_rec, 10.0)]
    ok = all(seconds <= goal for seconds, goal in goals)
    print("all goals met" if ok else "GOAL MISSED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
