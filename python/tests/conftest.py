"""Shared fixtures: the repository's binaries (the reference the binding must
match), its small corpora, and the shared real messages when present."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
REAL_JA = REPO.parent / "shared" / "data" / "real_ja" / "messages.csv"
csv.field_size_limit(sys.maxsize)


def _target_dir() -> Path:
    return Path(os.environ.get("CARGO_TARGET_DIR", REPO / "target"))


@pytest.fixture(scope="session")
def binaries() -> Path:
    """target/release with `predict`, `train`, `evaluate` and `inspect` built
    (cargo does nothing when they are up to date)."""
    subprocess.run(
        ["cargo", "build", "--release", "--quiet", "--bins"],
        cwd=REPO,
        check=True,
    )
    return _target_dir() / "release"


def run_bin(binaries: Path, name: str, *args, stdin: str | None = None) -> str:
    done = subprocess.run(
        [str(binaries / name), *map(str, args)],
        input=stdin,
        capture_output=True,
        text=True,
        encoding="utf-8",
    )
    assert done.returncode == 0, f"{name} {' '.join(map(str, args))}: {done.stderr}"
    return done.stdout


def read_csv(path: Path) -> list[dict]:
    with open(path, encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f))


def cli_predict(binaries: Path, rows: list[tuple[str, str]], tmp_path: Path, *extra) -> list[dict]:
    """The `predict` binary's output rows for (id, text) rows."""
    path = tmp_path / "rows.csv"
    with open(path, "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(["id", "text"])
        w.writerows(rows)
    out = run_bin(binaries, "predict", path, *extra)
    return list(csv.DictReader(io.StringIO(out)))


@pytest.fixture(scope="session")
def corpus() -> list[dict]:
    """The repository's written corpus (data/messages.csv), always present."""
    return read_csv(REPO / "data" / "messages.csv")


@pytest.fixture(scope="session")
def real_rows() -> list[dict]:
    if not REAL_JA.exists():
        pytest.skip(f"skipped: {REAL_JA} is not here (the shared real messages); nothing else needs it")
    return read_csv(REAL_JA)


def inspect_json(binaries: Path, *args) -> dict:
    return json.loads(run_bin(binaries, "inspect", "--json", *args))
