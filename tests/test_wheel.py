"""The wheel holds the package and its data, no caches, and runs the main job when installed.

The wheel is built by ``python -m build`` (``.ci/run`` does, and names it in
``RISKMODEL_WHEEL``); without the variable these tests are skipped. To run them by hand::

    python -m build && RISKMODEL_WHEEL=dist/riskmodel-X.Y.Z-py3-none-any.whl \\
        python -m pytest tests/test_wheel.py
"""

from __future__ import annotations

import json
import os
import pathlib
import subprocess
import sys
import sysconfig
import venv
import zipfile

import pytest

import riskmodel

ROOT = pathlib.Path(__file__).resolve().parents[1]
ENV = "RISKMODEL_WHEEL"
DATA_FILES = (
    "riskmodel/data/incidents.csv",
    "riskmodel/data/japan_exposure.csv",
    "riskmodel/data/DATACARD.md",
    "riskmodel/profiles/example_jp_midsize.toml",
)
RUN = ("reserve", "--n-sims", "20000", "--json", "--no-progress")


@pytest.fixture(scope="module")
def wheel() -> pathlib.Path:
    value = os.environ.get(ENV)
    if not value:
        pytest.skip(f"{ENV} is not set: build a wheel (python -m build) and name it there")
    path = pathlib.Path(value)
    if not path.is_file():
        pytest.fail(f"{ENV}={value}: no such file")
    return path


def test_wheel_holds_the_package_its_data_and_no_caches(wheel):
    names = zipfile.ZipFile(wheel).namelist()
    dist_info = f"riskmodel-{riskmodel.__version__}.dist-info"
    for name in (*DATA_FILES, f"{dist_info}/licenses/LICENSE"):
        assert name in names, f"{name} missing from {wheel.name}"
    # every module of the checkout ships
    sources = {
        p.relative_to(ROOT).as_posix()
        for p in (ROOT / "riskmodel").rglob("*.py")
        if "__pycache__" not in p.parts
    }
    assert sources - set(names) == set()
    caches = [n for n in names if n.endswith((".nbi", ".nbc", ".pyc")) or "__pycache__" in n]
    assert caches == []
    assert all(n.startswith(("riskmodel/", f"{dist_info}/")) for n in names)
    meta = zipfile.ZipFile(wheel).read(f"{dist_info}/METADATA").decode()
    assert f"\nVersion: {riskmodel.__version__}\n" in meta
    assert "\nLicense-Expression: MIT\n" in meta
    entry = zipfile.ZipFile(wheel).read(f"{dist_info}/entry_points.txt").decode()
    assert "riskmodel = riskmodel.cli:console" in entry


def test_wheel_installs_in_a_fresh_venv_and_runs_the_reserve(wheel, tmp_path):
    # A fresh venv that sees this environment's packages through a .pth file, so the
    # dependencies need no download; pip resolves them without an index (--no-index), which
    # checks the wheel's declared requirements against what is installed.
    env_dir = tmp_path / "venv"
    venv.EnvBuilder(with_pip=False).create(env_dir)
    bin_dir = env_dir / ("Scripts" if os.name == "nt" else "bin")
    python = bin_dir / "python"
    site = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    here = {sysconfig.get_paths()[k] for k in ("purelib", "platlib")}
    (pathlib.Path(site) / "borrowed_dependencies.pth").write_text("\n".join(sorted(here)) + "\n")
    clean = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    install = subprocess.run(
        [
            *(sys.executable, "-m", "pip", "--python", str(python), "install", "--no-index"),
            *("--no-warn-conflicts", "-q", str(wheel.resolve())),
        ],
        capture_output=True,
        text=True,
        timeout=600,
        env=clean,
        check=False,
    )
    assert install.returncode == 0, install.stderr[-3000:]
    # run outside the checkout, so only the installed package can be imported
    where = subprocess.run(
        [str(bin_dir / "python"), "-c", "import riskmodel; print(riskmodel.__file__)"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=clean,
        check=True,
    )
    assert pathlib.Path(where.stdout.strip()).is_relative_to(env_dir)
    done = subprocess.run(
        [str(bin_dir / "riskmodel"), *RUN],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=tmp_path,
        env=clean,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    installed = json.loads(done.stdout)["reserve"]
    # the same numbers as the checkout's command (seeded, so equal to the last digit)
    here = subprocess.run(
        [sys.executable, "-m", "riskmodel", *RUN],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=ROOT,
        check=True,
    )
    checkout = json.loads(here.stdout)["reserve"]
    for result in (installed, checkout):
        result["provenance"].pop("elapsed_s")
        result["provenance"].pop("n_threads")
    assert installed == checkout
    assert installed["n_sims"] == 20_000 and installed["reserve"] > 0
    assert installed["provenance"]["version"] == riskmodel.__version__
