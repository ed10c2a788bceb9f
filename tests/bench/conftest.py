"""What the benchmark scripts' smoke tests share: a database of their own for each run."""
import importlib.util
import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def bench_runner():
    """bench/all.py as a module (bench/ is a folder of scripts, not a package)."""
    spec = importlib.util.spec_from_file_location("bench_all", ROOT / "bench" / "all.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def bench_database(tmp_path):
    """A database of its own: a new one on the suite's PostgreSQL server (as ``make bench`` gives each
    script), else an SQLite file; the scripts fill it, so it must not be the suite's."""
    with bench_runner().own_database(os.environ.get("DATABASE_URL", ""), "test") as url:
        yield url or f"sqlite:///{tmp_path}/bench.sqlite3"
