"""Deduplication benchmark: synthetic persons with planted duplicates, linked by Lotus.

    .venv/bin/python bench/dedup.py                       # 1,000,000 persons, 10,000 new
    .venv/bin/python bench/dedup.py --persons 100000 --new 2000
    .venv/bin/python bench/dedup.py --persons 20000 --database 20000   # + the registry path

Goals (issue 13): F1 ≥ 0.97 and ≤ 5 min for 1,000,000 persons; 10,000 new rows checked
against 1,000,000 existing in ≤ 60 s.

The records come from lotus.linkage.synthetic with the BENCHMARK error rates and a seed
other than training's (tones dropped, Telex/VNI keystrokes left in, typos, capitals, day and
month swapped, year only, moved commune or province, old address in a split commune, new or
old-form phone, CMND instead of CCCD, middle or family name missing; relatives sharing a
phone as near misses). Timed: computing the linkage features of every record, Splink's
blocking and scoring (DuckDB, or Spark with --backend spark) and the clustering.

In the same run, two baselines: exact match on folded name + birth date, and exact match on
CCCD or phone (what OpenSPP does). Precision, recall and F1 count pairs of records.

The incremental check ("new"): rows of a new file (a third of them new entries of persons
already in the registry, with the same kinds of errors) are linked against the registry
and among themselves, as `link_new_persons` does after an import, from feature records in
memory. With --database N, the registry path is timed too: N persons and their linkage keys
stored in the database (LOTUS_SQLITE_PATH from bench/run_all.py, or a temporary SQLite
file), then `link_new_persons` for the new rows (indexed blocking in the database, Splink
on the candidates).
"""

import argparse
import os
import random
import resource
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lotus.settings")


def pair_metrics(found: set, truth: set) -> tuple[float, float, float]:
    true_positives = len(found & truth)
    precision = true_positives / len(found) if found else 1.0
    recall = true_positives / len(truth) if truth else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def pairs_within(groups: dict) -> set:
    pairs = set()
    for ids in groups.values():
        ids = sorted(ids)
        for i, a in enumerate(ids):
            for b in ids[i + 1 :]:
                pairs.add((a, b))
    return pairs


def line(label: str, found: set, truth: set, seconds: float) -> str:
    p, r, f = pair_metrics(found, truth)
    return f"  {label:<44} P {p:.4f}  R {r:.4f}  F1 {f:.4f}  {seconds:7.1f} s  ({len(found)} pairs)"


def peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--persons", type=int, default=1_000_000)
    parser.add_argument("--new", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--backend", choices=("duckdb", "spark"), default="duckdb")
    parser.add_argument("--database", type=int, default=0, metavar="N")
    parser.add_argument(
        "--skip-full", action="store_true", help="skip the full linkage and the baselines"
    )
    args = parser.parse_args()

    import django

    django.setup()
    from lotus.linkage.features import drop_shared_identifiers, person_features
    from lotus.linkage.synthetic import BENCHMARK_RATES, generate

    print(f"Deduplication benchmark: {args.persons:,} records, backend {args.backend}")
    started = time.monotonic()
    population = generate(args.persons, seed=args.seed, rates=BENCHMARK_RATES)
    truth = population.true_pairs()
    duplicated = len({population.truth[a] for a, _ in truth})
    print(
        f"  generated in {time.monotonic() - started:.1f} s: {len(population.records):,} records,"
        f" {duplicated:,} persons entered more than once, {len(truth):,} true pairs"
    )

    # --- Lotus: features + Splink + clusters --------------------------------------------
    started = time.monotonic()
    records = drop_shared_identifiers([person_features(p) for p in population.records])
    features_seconds = time.monotonic() - started
    if not args.skip_full:
        full_linkage(args, population, records, truth, started, features_seconds)
    if args.new:
        incremental(args, population, records)


def full_linkage(args, population, records, truth, started, features_seconds) -> None:
    from lotus.core.text import fold
    from lotus.linkage.engine import predict_duplicates
    from lotus.linkage.features import phone_key
    from lotus.linkage.services import EXPORT_THRESHOLD, REVIEW_THRESHOLD, clusters_of

    predictions = predict_duplicates(
        records, threshold=REVIEW_THRESHOLD, backend=args.backend, explain=False
    )
    predict_seconds = time.monotonic() - started - features_seconds
    at_export = [p for p in predictions if p.match_probability >= EXPORT_THRESHOLD]
    clusters = clusters_of((p.id_l, p.id_r) for p in at_export)
    total_seconds = time.monotonic() - started
    cluster_seconds = total_seconds - features_seconds - predict_seconds
    print(
        f"Lotus linkage: {total_seconds:.1f} s (features {features_seconds:.1f} s, Splink "
        f"{predict_seconds:.1f} s, clusters {cluster_seconds:.1f} s), "
        f"{len(set(clusters.values())):,} clusters, peak memory {peak_mib():,.0f} MiB"
    )
    for threshold in sorted({REVIEW_THRESHOLD, EXPORT_THRESHOLD, 0.95}):
        found = {(p.id_l, p.id_r) for p in predictions if p.match_probability >= threshold}
        print(line(f"Lotus, match probability ≥ {threshold}", found, truth, total_seconds))

    # --- baselines -------------------------------------------------------------------------
    started = time.monotonic()
    groups = defaultdict(list)
    for person in population.records:
        if person["birth_date"] is not None:
            groups[(fold(person["full_name"]), person["birth_date"])].append(person["id"])
    found = pairs_within(groups)
    print(line("Baseline: folded name + birth date", found, truth, time.monotonic() - started))
    started = time.monotonic()
    groups = defaultdict(list)
    for person in population.records:
        if person["cccd"]:
            groups[("cccd", person["cccd"])].append(person["id"])
        phone = phone_key(person["phone"])
        if phone:
            groups[("phone", phone)].append(person["id"])
    found = pairs_within(groups)
    print(line("Baseline: CCCD or phone (OpenSPP)", found, truth, time.monotonic() - started))


def incremental(args, population, records) -> None:
    """New rows against the registry, in memory, then (with --database) through the DB."""
    from lotus.linkage.engine import predict_new_against_existing
    from lotus.linkage.features import person_features
    from lotus.linkage.model import tf_tables
    from lotus.linkage.services import EXPORT_THRESHOLD, REVIEW_THRESHOLD
    from lotus.linkage.synthetic import BENCHMARK_RATES, Generator

    generator = Generator(seed=args.seed + 1)
    rng = random.Random(args.seed + 2)
    new_rows, new_truth = [], {}
    number = len(population.records) + 1_000_000
    for _ in range(args.new):
        number += 1
        if rng.random() < 1 / 3:
            original = rng.choice(population.records)
            new_rows.append(generator.duplicate(original, number, BENCHMARK_RATES))
            new_truth[number] = population.truth[original["id"]]
        else:
            row = generator.person(number)
            row.pop("_cmnd", None)
            new_rows.append(row)
            new_truth[number] = number
    everyone = {**population.truth, **new_truth}
    by_person = defaultdict(list)
    for record_id, person_number in everyone.items():
        by_person[person_number].append(record_id)
    new_ids = set(new_truth)
    new_truth_pairs = {
        pair for pair in pairs_within(by_person) if pair[0] in new_ids or pair[1] in new_ids
    }
    tf = tf_tables(records + [person_features(r) for r in new_rows])
    started = time.monotonic()
    new_records = [person_features(r) for r in new_rows]
    found_new = predict_new_against_existing(
        new_records,
        records,
        threshold=REVIEW_THRESHOLD,
        registry_size=len(records),
        tf=tf,
        backend=args.backend,
        explain=False,
    )
    seconds = time.monotonic() - started
    found = {(p.id_l, p.id_r) for p in found_new if p.match_probability >= EXPORT_THRESHOLD}
    print(
        f"New rows: {args.new:,} against {len(records):,} existing, from feature records in"
        f" memory: {seconds:.1f} s"
    )
    print(
        line(f"New rows, match probability ≥ {EXPORT_THRESHOLD}", found, new_truth_pairs, seconds)
    )
    if args.database:
        database_path(args, population, new_rows, new_truth_pairs)


def database_path(args, population, new_rows, truth_pairs) -> None:
    """Store `args.database` persons and their keys, then time link_new_persons."""
    if "LOTUS_SQLITE_PATH" not in os.environ and os.environ.get("LOTUS_DB") != "postgres":
        raise SystemExit("--database needs LOTUS_SQLITE_PATH (bench/run_all.py sets it)")
    from django.core.management import call_command

    from lotus.core.text import fold
    from lotus.geo.models import Commune, Province
    from lotus.linkage.models import CandidatePair
    from lotus.linkage.services import EXPORT_THRESHOLD, link_new_persons, person_keys_refresh
    from lotus.registry.models import Person

    call_command("migrate", verbosity=0)
    if not Commune.objects.exists():
        for p in range(1, 35):
            province = Province.objects.create(
                code=f"{p:02d}", name=f"Tỉnh {p}", name_folded=f"tinh {p}", division_type="tỉnh"
            )
            Commune.objects.bulk_create(
                Commune(code=f"{p * 1000 + k:05d}", name=f"Xã {k}", name_folded=f"xa {k}",
                        division_type="xã", province=province)
                for k in range(1, 99)
            )  # fmt: skip
    communes = sorted(Commune.objects.values_list("pk", "province_id"))
    # Synthetic commune k of province p → the database's communes, in order.
    synthetic = sorted({(r["province_id"], r["commune_id"]) for r in population.records
                        if r["commune_id"] is not None})  # fmt: skip
    place = {c: communes[i % len(communes)] for i, (_, c) in enumerate(synthetic)}

    def person(row):
        commune_id, province_id = place.get(row["commune_id"], communes[0])
        return Person(
            full_name=row["full_name"], name_key=fold(row["full_name"]),
            birth_date=row["birth_date"], birth_year=row["birth_year"], sex=row["sex"],
            cccd=row["cccd"], cmnd=row["cmnd"], phone=row["phone"], commune_id=commune_id,
            province_id=province_id, source="bench", source_id=str(row["id"]),
        )  # fmt: skip

    Person.all_objects.filter(source="bench").delete()
    existing = population.records[: args.database]
    started = time.monotonic()
    Person.objects.bulk_create((person(r) for r in existing), batch_size=10_000)
    stored = time.monotonic() - started
    started = time.monotonic()
    person_keys_refresh()
    keyed = time.monotonic() - started
    print(
        f"Registry path: {len(existing):,} persons stored in {stored:.1f} s, linkage keys"
        f" computed in {keyed:.1f} s (once; then kept up to date)"
    )
    by_source = {}
    new_people = [person(r) for r in new_rows]
    Person.objects.bulk_create(new_people, batch_size=10_000)
    ids = dict(Person.objects.filter(source="bench").values_list("source_id", "pk"))
    by_source = {pk: int(source) for source, pk in ids.items()}
    new_ids = [ids[str(r["id"])] for r in new_rows]
    started = time.monotonic()
    link_new_persons(person_ids=new_ids)
    seconds = time.monotonic() - started
    kept = {str(r["id"]) for r in existing} | {str(r["id"]) for r in new_rows}
    truth = {(a, b) for a, b in truth_pairs if str(a) in kept and str(b) in kept}
    found = {
        tuple(sorted((by_source[left], by_source[right])))
        for left, right in CandidatePair.objects.filter(
            match_probability__gte=EXPORT_THRESHOLD
        ).values_list("person_l_id", "person_r_id")
    }
    print(f"  link_new_persons: {len(new_ids):,} new against {len(existing):,}: {seconds:.1f} s")
    print(line(f"Registry path, probability ≥ {EXPORT_THRESHOLD}", found, truth, seconds))


if __name__ == "__main__":
    if os.environ.get("LOTUS_SQLITE_PATH") is None and "--database" in sys.argv:
        os.environ["LOTUS_SQLITE_PATH"] = str(Path(tempfile.mkdtemp()) / "dedup.sqlite3")
    main()
