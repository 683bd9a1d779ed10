"""Running the model with Splink: DuckDB in-process by default, Spark when configured.

`LOTUS_LINKAGE_BACKEND=spark` (or settings.LOTUS_LINKAGE_BACKEND) runs the same model on a
local Spark session (needs `pip install '.[spark]'` and Java 17); anything else runs DuckDB.
Both take feature records (`lotus.linkage.features.person_features`) and return scored pairs
with the weight each comparison added or took away.
"""

import logging
import os
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings

from lotus.linkage.features import features_table
from lotus.linkage.model import (
    COMPARISONS,
    TF_COLUMNS,
    FieldWeight,
    load_parameters,
    prior_probability,
    splink_settings,
    tf_tables,
)

logger = logging.getLogger(__name__)

DUCKDB = "duckdb"
SPARK = "spark"


def backend_name() -> str:
    """The configured backend: the environment wins over settings; DuckDB by default."""
    name = os.environ.get("LOTUS_LINKAGE_BACKEND") or getattr(
        settings, "LOTUS_LINKAGE_BACKEND", DUCKDB
    )
    if name not in (DUCKDB, SPARK):
        raise ValueError(f"LOTUS_LINKAGE_BACKEND must be duckdb or spark, not {name!r}")
    return name


def _spark_session():
    from pyspark.sql import SparkSession
    from splink.backends.spark import similarity_jar_location

    # One local core and few partitions: the machine is small and the jobs are batch.
    return (
        SparkSession.builder.master(os.environ.get("LOTUS_SPARK_MASTER", "local[2]"))
        .appName("lotus-linkage")
        .config("spark.jars", similarity_jar_location())
        .config("spark.sql.shuffle.partitions", "4")
        .config("spark.default.parallelism", "4")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.driver.memory", os.environ.get("LOTUS_SPARK_DRIVER_MEMORY", "2g"))
        .getOrCreate()
    )


def make_db_api(backend: str | None = None):
    backend = backend or backend_name()
    if backend == SPARK:
        from splink import SparkAPI

        # Persisting (not checkpointing) breaks lineage without a shared checkpoint directory.
        return SparkAPI(
            spark_session=_spark_session(),
            num_partitions_on_repartition=4,
            break_lineage_method="persist",
        )
    import duckdb
    from splink import DuckDBAPI

    connection = duckdb.connect(":memory:")
    threads = os.environ.get("LOTUS_LINKAGE_THREADS")
    if threads:
        connection.execute(f"SET threads = {int(threads)}")
    return DuckDBAPI(connection=connection)


@dataclass(frozen=True)
class Prediction:
    """A scored candidate pair: unique ids with id_l < id_r."""

    id_l: int
    id_r: int
    match_probability: float
    match_weight: float
    fields: tuple[FieldWeight, ...]


def _gamma_labels() -> dict[str, dict[int, str]]:
    """Splink's comparison vector value → level label, per comparison.

    Splink numbers a comparison's non-null levels from n-1 (first) down to 0 (ELSE) and gives
    the null level -1.
    """
    labels: dict[str, dict[int, str]] = {}
    for comparison in COMPARISONS:
        non_null = [lvl for lvl in comparison.levels if not lvl.null]
        mapping = {len(non_null) - 1 - i: lvl.label for i, lvl in enumerate(non_null)}
        for level in comparison.levels:
            if level.null:
                mapping[-1] = level.label
        labels[comparison.name] = mapping
    return labels


def _read_predictions(splink_df, *, explain: bool) -> list[Prediction]:
    labels = _gamma_labels()
    table = splink_df.as_pyarrow_table()
    columns = table.to_pydict()
    ids_l, ids_r = columns["unique_id_l"], columns["unique_id_r"]
    results = []
    for i in range(table.num_rows):
        fields: tuple[FieldWeight, ...] = ()
        if explain:
            fields = tuple(
                FieldWeight(
                    c.name,
                    labels[c.name][columns[f"gamma_{c.name}"][i]],
                    float(columns[f"mw_{c.name}"][i] or 0.0)
                    + float(columns.get(f"mw_tf_adj_{c.name}", [0.0] * (i + 1))[i] or 0.0),
                )
                for c in COMPARISONS
            )
        low, high = sorted((int(ids_l[i]), int(ids_r[i])))
        if low == high:
            continue
        results.append(
            Prediction(
                low,
                high,
                float(columns["match_probability"][i]),
                float(columns["match_weight"][i]),
                fields,
            )
        )
    results.sort(key=lambda p: (-p.match_probability, p.id_l, p.id_r))
    return results


def _register_tf(linker, db_api, tf: dict[str, dict[str, float]]) -> None:
    import pyarrow as pa

    for column in TF_COLUMNS:
        values = sorted(tf[column])
        table = pa.table(
            {column: values, f"tf_{column}": [tf[column][v] for v in values]},
            schema=pa.schema([(column, pa.string()), (f"tf_{column}", pa.float64())]),
        )
        sdf = db_api.register(table, dataset_display_name=f"tf_{column}")
        linker.table_management.register_term_frequency_lookup(sdf, column)


def _quiet():
    # Splink warns about comparisons without a null level (birth year and province are
    # always known) and prints progress bars: neither belongs in a server's log.
    logging.getLogger("splink").setLevel(logging.ERROR)


def predict_duplicates(
    records: Sequence[dict[str, Any]],
    *,
    threshold: float,
    backend: str | None = None,
    explain: bool = True,
) -> list[Prediction]:
    """Every pair of `records` the blocking rules bring together, scored ≥ `threshold`."""
    from splink import Linker

    _quiet()
    if len(records) < 2:
        return []
    db_api = make_db_api(backend)
    sdf = db_api.register(features_table(records), dataset_display_name="persons")
    prior = prior_probability(partners=len(records) - 1)
    linker = Linker(sdf, splink_settings(prior=prior, parameters=load_parameters()), log_level=None)
    _register_tf(linker, db_api, tf_tables(records))
    predictions = linker.inference.predict(
        threshold_match_probability=threshold, warning_mode="never"
    )
    return _read_predictions(predictions, explain=explain)


def predict_new_against_existing(
    new: Sequence[dict[str, Any]],
    existing: Sequence[dict[str, Any]],
    *,
    threshold: float,
    registry_size: int,
    tf: dict[str, dict[str, float]],
    backend: str | None = None,
    explain: bool = True,
) -> list[Prediction]:
    """Pairs between `new` and `existing` records, and within `new`, scored ≥ `threshold`.

    `existing` may be only the candidates of the registry (those sharing a blocking key with
    a new record); `registry_size` and `tf` describe the whole registry so the scores are
    the ones a full run would give.
    """
    from splink import Linker

    _quiet()
    if not new:
        return []
    db_api = make_db_api(backend)
    new_sdf = db_api.register(features_table(new), dataset_display_name="new_persons")
    prior = prior_probability(partners=max(registry_size - 1, 1))
    linker = Linker(
        new_sdf, splink_settings(prior=prior, parameters=load_parameters()), log_level=None
    )
    _register_tf(linker, db_api, tf)
    results: list[Prediction] = []
    if existing:
        existing_sdf = db_api.register(
            features_table(existing), dataset_display_name="existing_persons"
        )
        between = linker.inference.predict_between(
            existing_sdf,
            new_sdf,
            threshold_match_probability=threshold,
            warning_mode="never",
        )
        results.extend(_read_predictions(between, explain=explain))
    if len(new) > 1:
        within = linker.inference.predict_within(
            new_sdf, threshold_match_probability=threshold, warning_mode="never"
        )
        results.extend(_read_predictions(within, explain=explain))
    results.sort(key=lambda p: (-p.match_probability, p.id_l, p.id_r))
    return results
