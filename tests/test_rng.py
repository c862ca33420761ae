import numpy as np
import pytest

from riskmodel._rng import as_generator, as_seed_sequence, block_generator, seed_of


def test_int_seed_is_reproducible():
    assert as_generator(3).random() == as_generator(3).random()
    assert seed_of(as_seed_sequence(3)) == 3


def test_generator_input_is_used_and_advanced():
    g = np.random.default_rng(1)
    assert as_generator(g) is g
    a = as_seed_sequence(np.random.default_rng(1)).entropy
    b = as_seed_sequence(np.random.default_rng(1)).entropy
    assert a == b


def test_seed_sequence_passes_through():
    ss = np.random.SeedSequence(9)
    assert as_seed_sequence(ss) is ss


def test_none_gives_recordable_entropy():
    ss = as_seed_sequence(None)
    again = np.random.SeedSequence(seed_of(ss))
    assert block_generator(ss, 0).random() == block_generator(again, 0).random()


def test_block_generator_matches_spawn():
    root = np.random.SeedSequence(11)
    spawned = np.random.SeedSequence(11).spawn(5)
    for b in range(5):
        want = np.random.Generator(np.random.PCG64(spawned[b])).random(3)
        np.testing.assert_array_equal(block_generator(root, b).random(3), want)


@pytest.mark.parametrize("bad", [-1, 1.5, "7", True])
def test_bad_rng_raises(bad):
    with pytest.raises((TypeError, ValueError), match="rng"):
        as_seed_sequence(bad)
