"""Random-number handling (SPEC 7) and the block streams of the simulator.

Every public function that draws random numbers takes ``rng``: an ``int`` seed, a
:class:`numpy.random.Generator`, a :class:`numpy.random.SeedSequence`, or ``None`` (fresh OS
entropy). Simulations are cut into fixed-size blocks; block ``b`` draws from its own stream,
spawned from one root :class:`~numpy.random.SeedSequence` by its index, so results depend only
on (seed, n_sims, block size), never on the number of threads or the order blocks finish.
"""

from __future__ import annotations

import numpy as np

__all__ = ["RNGLike", "as_generator", "as_seed_sequence", "block_generator", "seed_of"]

RNGLike = int | np.integer | np.random.Generator | np.random.SeedSequence | None


def as_seed_sequence(rng: RNGLike) -> np.random.SeedSequence:
    """Turn any SPEC 7 ``rng`` argument into a root :class:`numpy.random.SeedSequence`.

    Parameters
    ----------
    rng : int, numpy.random.Generator, numpy.random.SeedSequence or None
        ``None`` draws fresh entropy from the OS (its value is kept in the result's
        provenance, so the run can still be repeated). A ``Generator`` is advanced by one draw
        of 128 bits, which seed the sequence.

    Returns
    -------
    numpy.random.SeedSequence

    Examples
    --------
    >>> as_seed_sequence(42).entropy
    42
    """
    if isinstance(rng, np.random.SeedSequence):
        return rng
    if isinstance(rng, np.random.Generator):
        return np.random.SeedSequence(rng.integers(0, 2**32, size=4, dtype=np.uint64).tolist())
    if rng is None:
        return np.random.SeedSequence()
    if isinstance(rng, (int, np.integer)) and not isinstance(rng, bool):
        if rng < 0:
            raise ValueError(f"rng: a seed must be a non-negative integer, got {rng}")
        return np.random.SeedSequence(int(rng))
    raise TypeError(
        "rng: expected an int seed, a numpy Generator, a SeedSequence or None, "
        f"got {type(rng).__name__}"
    )


def as_generator(rng: RNGLike) -> np.random.Generator:
    """Return a :class:`numpy.random.Generator` for ``rng`` (SPEC 7).

    A ``Generator`` passed in is returned as is (draws advance it); anything else seeds a new
    PCG64 generator.

    Examples
    --------
    >>> as_generator(1).random() == as_generator(1).random()
    True
    """
    if isinstance(rng, np.random.Generator):
        return rng
    return np.random.Generator(np.random.PCG64(as_seed_sequence(rng)))


def block_generator(root: np.random.SeedSequence, block: int) -> np.random.Generator:
    """The generator of block ``block``: child ``block`` of ``root``, reachable directly.

    Equivalent to ``root.spawn(block + 1)[block]`` on a fresh ``root`` but without spawning the
    blocks before it, so a simulation can be extended block by block.

    Examples
    --------
    >>> root = np.random.SeedSequence(7)
    >>> a = block_generator(root, 3).random()
    >>> b = np.random.Generator(np.random.PCG64(np.random.SeedSequence(7).spawn(4)[3])).random()
    >>> a == b
    True
    """
    child = np.random.SeedSequence(
        entropy=root.entropy,
        spawn_key=(*root.spawn_key, int(block)),
        pool_size=root.pool_size,
    )
    return np.random.Generator(np.random.PCG64(child))


def seed_of(root: np.random.SeedSequence) -> int | list[int]:
    """The entropy of ``root`` as a JSON-friendly value, for provenance records."""
    ent = root.entropy
    if isinstance(ent, (list, tuple, np.ndarray)):
        return [int(e) for e in ent]
    return int(ent)
