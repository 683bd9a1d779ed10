import os

import pytest


def pytest_collection_modifyitems(config, items):
    """Leave out the Spark tests unless `make test-spark` asked for them (LOTUS_TEST_SPARK=1):
    they need pyspark and Java, and take half a minute to start Spark."""
    if os.environ.get("LOTUS_TEST_SPARK") == "1":
        return
    spark = [item for item in items if item.get_closest_marker("spark")]
    if spark:
        config.hook.pytest_deselected(items=spark)
        items[:] = [item for item in items if not item.get_closest_marker("spark")]


@pytest.fixture(scope="session")
def spark_backend():
    pytest.importorskip("pyspark")
    return "spark"
