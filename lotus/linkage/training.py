"""Estimating the model's m and u probabilities (run rarely; the result is shipped).

Unsupervised, as Splink intends: u by random sampling, m by expectation maximisation over
pairs blocked first on CCCD (which trains every other comparison), then on given name and
date of birth (which trains CCCD and the rest), then on phone. No ground truth is used. The
training data come from `lotus.linkage.synthetic` with its training error rates and seed,
not the benchmark's.
"""

import json
import logging
from pathlib import Path
from typing import Any

from lotus.linkage.engine import make_db_api
from lotus.linkage.features import drop_shared_identifiers, features_table, person_features
from lotus.linkage.model import MODEL_PATH, MODEL_VERSION, splink_settings
from lotus.linkage.synthetic import TRAINING_RATES, generate

TRAINING_SEED = 20240101

# Deterministic rules that admit almost no false matches, and the share of true matches
# they are believed to find, used to estimate how many duplicates a registry holds.
_DETERMINISTIC_RULES = (
    "l.cccd = r.cccd AND l.given = r.given",
    "l.full = r.full AND l.dob = r.dob AND l.commune = r.commune",
)
_DETERMINISTIC_RECALL = 0.7


# No level is impossible among true matches: a sex or CMND typed wrong happens, and a level
# never seen in training must not veto a match on its own.
M_FLOOR = 0.002
U_FLOOR = 1e-7


# Numbers one digit apart are rarer between strangers than random sampling says: a family
# buys consecutive SIM cards, and women born in one province and year share the first six
# CCCD digits. So a near miss on a number weighs at most this much (u floor).
NEAR_NUMBER_U_FLOOR = {("phone", "one digit apart"): 1e-4, ("cccd", "one digit apart"): 1e-5}


# Real typing errors the synthetic training data under-represent: a wrong tone mark on the
# given name ("Hướng" for "Hương") and one of two middle names left out ("Ngọc" for "Thị
# Ngọc"). EM sees them too rarely to learn their m; they happen in a few percent of lists.
REAL_ERROR_M_FLOOR = {
    ("given", "same letters, other tone marks"): 0.02,
    ("middle", "one holds the other"): 0.03,
}


def _with_floors(model: dict[str, Any]) -> dict[str, Any]:
    for comparison in model["comparisons"]:
        name = comparison["output_column_name"]
        levels = [lvl for lvl in comparison["comparison_levels"] if not lvl.get("is_null_level")]
        for lvl in levels:
            label = lvl.get("label_for_charts")
            floor = NEAR_NUMBER_U_FLOOR.get((name, label))
            if floor and (lvl.get("u_probability") or 0) < floor:
                lvl["u_probability"] = floor
            floor = REAL_ERROR_M_FLOOR.get((name, label))
            if floor and (lvl.get("m_probability") or 0) < floor:
                lvl["m_probability"] = floor
        for key, floor in (("m_probability", M_FLOOR), ("u_probability", U_FLOOR)):
            values = [max(lvl.get(key) or floor, floor) for lvl in levels]
            total = sum(values)
            for lvl, value in zip(levels, values, strict=True):
                lvl[key] = value / total
    return model


def train_model(*, n: int, seed: int = TRAINING_SEED, out: Path = MODEL_PATH) -> dict[str, Any]:
    """Train on `n` synthetic records and write the Splink model JSON to `out`."""
    from splink import Linker, block_on

    logging.getLogger("splink").setLevel(logging.WARNING)
    population = generate(n, seed=seed, rates=TRAINING_RATES)
    records = drop_shared_identifiers([person_features(p) for p in population.records])
    db_api = make_db_api("duckdb")
    sdf = db_api.register(features_table(records), dataset_display_name="training")
    linker = Linker(sdf, splink_settings(prior=1e-4), log_level=None)
    linker.training.estimate_probability_two_random_records_match(
        list(_DETERMINISTIC_RULES), recall=_DETERMINISTIC_RECALL
    )
    linker.training.estimate_u_using_random_sampling(max_pairs=5e6, seed=seed)
    # Not phone: relatives share one, and EM would learn them as a second kind of match.
    for rule in (block_on("cccd"), block_on("given", "dob")):
        linker.training.estimate_parameters_using_expectation_maximisation(
            rule, record_sample_proportion=1.0, estimate_without_term_frequencies=True
        )
    model = _with_floors(linker.misc.save_model_to_json())
    prior = model["probability_two_random_records_match"]
    model["lotus"] = {
        "version": MODEL_VERSION,
        "trained_on": f"{len(records)} synthetic records, seed {seed}",
        # Expected number of other records of the same person, per record.
        "duplicate_rate": round(prior * (len(records) - 1), 6),
    }
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(model, indent=2, ensure_ascii=False) + "\n")
    return model
