"""The block scheme's shared pieces: checked settings, block sizes, pooled moments."""

import itertools

import numpy as np
import pytest

from riskmodel.engine._blocks import Moments, block_sizes, check_count, resolve_threads


@pytest.mark.parametrize("value", [0, -3, 2.5, True, "10", None, float("nan"), float("inf")])
def test_check_count_refuses_what_is_not_a_positive_integer(value):
    with pytest.raises(ValueError, match="n_sims: must be a positive integer"):
        check_count(value, "n_sims")


@pytest.mark.parametrize(("value", "want"), [(1e6, 1_000_000), (np.int64(7), 7), (3, 3)])
def test_check_count_accepts_integral_values(value, want):
    got = check_count(value, "n_sims")
    assert got == want and type(got) is int


def test_resolve_threads_defaults_from_the_environment_and_checks(monkeypatch):
    monkeypatch.setenv("NUMBA_NUM_THREADS", "3")
    assert resolve_threads(None) == 3
    assert resolve_threads(2) == 2
    with pytest.raises(ValueError, match="n_threads"):
        resolve_threads(0)


@pytest.mark.parametrize(
    ("start", "stop", "size"), [(0, 1, 5), (0, 10, 5), (0, 11, 5), (10, 23, 5)]
)
def test_block_sizes_cover_the_years_in_whole_blocks(start, stop, size):
    sizes = block_sizes(start, stop, size)
    assert sum(sizes) == stop - start
    assert all(s == size for s in sizes[:-1]) and 0 < sizes[-1] <= size


def test_pooled_moments_equal_those_of_all_years():
    x = np.random.default_rng(4).lognormal(0, 2, size=(1000, 2))
    cuts = [0, 1, 17, 500, 999, 1000]
    parts = [
        Moments(b - a, x[a:b].mean(axis=0), ((x[a:b] - x[a:b].mean(axis=0)) ** 2).sum(axis=0))
        for a, b in itertools.pairwise(cuts)
    ]
    got = Moments.pooled(parts)
    assert got.n == 1000
    np.testing.assert_allclose(got.mean, x.mean(axis=0), rtol=1e-13)
    np.testing.assert_allclose(got.var, x.var(axis=0, ddof=1), rtol=1e-12)
