"""The bundled tables are exactly what the build script makes from the compiled source tables.

The source tables are not part of the repository (see ``tests/reference/build_bundled_data.py``
for where they come from). Point ``RISKMODEL_SOURCE_DATA`` at their folder to run this test;
``.ci/run`` does so with ``../shared/data`` beside the clone when that folder exists.
"""

from __future__ import annotations

import os
import pathlib
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "tests" / "reference" / "build_bundled_data.py"
BUNDLED = ROOT / "riskmodel" / "data"
TABLES = ("incidents.csv", "japan_exposure.csv")
ENV = "RISKMODEL_SOURCE_DATA"


def _source() -> pathlib.Path:
    value = os.environ.get(ENV)
    if not value:
        pytest.skip(f"{ENV} is not set: no compiled source tables to rebuild the bundled data")
    path = pathlib.Path(value)
    if not path.is_dir():
        pytest.fail(f"{ENV}={value}: not a folder")
    return path


def _build(source: pathlib.Path, out: pathlib.Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(SCRIPT), str(source), "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_bundled_tables_equal_a_rebuild(tmp_path):
    done = _build(_source(), tmp_path)
    assert done.returncode == 0, done.stderr
    assert "wrote 151 incidents" in done.stdout
    for name in TABLES:
        rebuilt = (tmp_path / name).read_bytes()
        bundled = (BUNDLED / name).read_bytes()
        assert rebuilt == bundled, (
            f"riskmodel/data/{name} differs from a rebuild: rerun "
            f"python {SCRIPT.relative_to(ROOT)} ${ENV} and commit the result"
        )


def test_build_names_missing_source_files(tmp_path):
    done = _build(tmp_path, tmp_path)
    assert done.returncode == 2
    assert "missing cex_incidents_compiled.csv, japan_exposure_and_volumes.csv" in done.stderr
    assert not any(tmp_path.iterdir())  # nothing written
