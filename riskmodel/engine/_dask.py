"""The ``backend="dask"`` of the engine: groups of blocks as tasks on a Dask cluster.

Each task simulates a run of consecutive blocks on a worker and returns them reduced: the
moments and reinstatement premium of every block (tiny) and the group's years that may still
enter the retained tail, with their per-category parts (per layer, for the view
"layers"); never the raw years. The client merges
the groups in block order with the same exact merge as the local thread pool
(:meth:`riskmodel.engine.Simulation.extend`), so the result is bit-identical to
``backend="numba"`` with the same (seed, n_sims, block_size), whatever the number of workers,
their threads, the grouping or the order tasks finish.

Why grouping keeps the result exact: the moments are still merged block by block (each group
returns one set per block), and the tail is the ``m`` largest totals of all years, earliest
first among equals; a year among those is also among the ``m`` largest of its own group, and a
group's years keep their order, so merging groups' tails gives the same tail as merging blocks'.
A task drops the years below the merged tail's floor read when it is submitted (the floor only
rises, so such a year can never enter the tail), which bounds what comes back.

The plan (model arrays, count tables, insurance, parameter distributions) is scattered to the
workers once per simulation; tasks are submitted a bounded window at a time, so the client
holds O(tail + window) data and each worker O(block + tail). Dask is imported here only, never
by ``import riskmodel``.
"""

from __future__ import annotations

import math
from collections.abc import Iterator

import numpy as np

from .._rng import block_generator

__all__ = ["get_client", "map_chunks", "run_blocks", "run_group"]

#: a task holds at most this many blocks (a lost worker then costs little recomputation)
MAX_BLOCKS_PER_TASK = 32

#: tasks per worker thread, at least, when there are enough blocks (load balance)
TASKS_PER_THREAD = 4

#: seconds to wait for a first worker of a cluster without any
WAIT_FOR_WORKERS_S = 60

#: tasks in flight (running or waiting to be merged) per worker thread
WINDOW_PER_THREAD = 2

START_A_CLUSTER = (
    "start one first: `from dask.distributed import Client, LocalCluster; "
    "client = Client(LocalCluster(n_workers=2))` (or pass a scheduler address: "
    "Client('tcp://host:8786')), then pass client=... or let it be the current client; "
    "on the command line: --dask local:2 or --dask ADDRESS"
)


def _distributed():
    try:
        import distributed
    except ImportError:  # pragma: no cover - the test extra installs it
        raise ImportError(
            "backend='dask' needs dask.distributed: pip install 'riskmodel[dask]'"
        ) from None
    return distributed


def get_client(client=None):
    """``client`` if given, else the current Dask client; a clear error when there is none."""
    distributed = _distributed()
    if client is not None:
        if not isinstance(client, distributed.Client):
            raise TypeError(
                f"client: expected a dask.distributed.Client, got {type(client).__name__}"
            )
        return client
    try:
        return distributed.default_client()
    except ValueError:
        msg = f"backend='dask': no Dask client is running; {START_A_CLUSTER}"
        raise RuntimeError(msg) from None


def run_group(plan, root, b0: int, sizes: list[int], floors: dict[str, float], m: int):
    """Simulate blocks ``b0, b0 + 1, ...`` of ``sizes`` years on a worker, reduced.

    Returns ``(blocks, tails)``: per block its ``({view: Moments}, reinstatement premium)``,
    and per view ``(totals, parts)`` of the group's years at or above ``floors[view]`` that may
    enter the top ``m`` (at most ``m`` of them, in year order). An error names its block.
    """
    blocks, tails = [], {}
    for i, n in enumerate(sizes):
        b = b0 + i
        try:
            views, rp = plan.run_block(block_generator(root, b), n)
            moments = {}
            for name, arr in views.items():
                if name not in tails:
                    tails[name] = plan.group_tail(name, m)
                tail = tails[name]
                # the floor of the merged tail at submission, or that of the group's own top m
                # (m earlier years at least as large): a year below either cannot enter the tail
                # (each floor lies just above its m-th largest: a later equal year cannot either)
                floor = max(floors.get(name, -math.inf), tail.floor)
                moments[name], tot, rows, zeros = plan.summary(arr, n, floor, m)
                tail.add(tot, rows, zeros)
        except Exception as e:
            if e.args and isinstance(e.args[0], str):
                e.args = (f"block {b}: {e.args[0]}", *e.args[1:])
            else:
                e.args = (f"block {b}", *e.args)
            raise
        blocks.append((moments, rp))
    return blocks, {name: tail.kept() for name, tail in tails.items()}


def _threads(client) -> int:
    """Worker threads of the cluster, waiting a while for a first worker (adaptive ones)."""
    if not client.nthreads():
        try:
            client.wait_for_workers(1, timeout=WAIT_FOR_WORKERS_S)
        except (TimeoutError, _distributed().TimeoutError):
            raise RuntimeError(
                f"backend='dask': the cluster at {client.scheduler.address} has had no worker "
                f"for {WAIT_FOR_WORKERS_S} s; {START_A_CLUSTER}"
            ) from None
    return sum(client.nthreads().values())


def _groups(b0: int, sizes: list[int], threads: int) -> list[tuple[int, list[int]]]:
    """Consecutive runs of blocks, one per task."""
    per = max(1, min(MAX_BLOCKS_PER_TASK, len(sizes) // (TASKS_PER_THREAD * max(threads, 1))))
    return [(b0 + i, sizes[i : i + per]) for i in range(0, len(sizes), per)]


def _remote_plan(sim, client):
    """The plan scattered to every worker, once per simulation and client."""
    state = sim._dask
    if state is None or state[0] is not client:
        state = (client, client.scatter(sim.plan, broadcast=True, hash=False))
        sim._dask = state
    return state[1]


def run_blocks(sim, b0: int, sizes: list[int]) -> Iterator[tuple[dict, float]]:
    """Yield ``(out, rp)`` for blocks ``b0, b0 + 1, ...`` in block order, as the thread pool's
    ``map(sim._block, ...)`` does: ``out[view] = (Moments, totals, parts, 0)``. A group's tail
    comes with its first block (its other blocks bring empty tails), which the block-ordered
    merge of :class:`~riskmodel.engine._tail.Tail` turns into the same result."""
    distributed = _distributed()
    client = get_client(sim.client)
    threads = _threads(client)
    plan = _remote_plan(sim, client)
    groups = _groups(b0, sizes, threads)
    window = max(2, WINDOW_PER_THREAD * threads)
    pending = distributed.as_completed()
    live: dict[int, object] = {}  # group -> its future, until merged
    index: dict[str, int] = {}  # future key -> group
    finished: set[int] = set()

    def submit(g: int) -> None:
        g0, g_sizes = groups[g]
        floors = {name: tail.floor for name, tail in sim._tails.items()}
        fut = client.submit(run_group, plan, sim.root, g0, g_sizes, floors, sim.m, pure=False)
        live[g], index[fut.key] = fut, g
        pending.add(fut)

    try:
        for g in range(min(window, len(groups))):
            submit(g)
        for g in range(len(groups)):
            while g not in finished:
                fut = next(pending)
                if fut.status == "error":
                    fut.result()  # raises the task's exception, which names its block
                finished.add(index.pop(fut.key))
            blocks, tails = live.pop(g).result()
            finished.discard(g)
            for i, (moments, rp) in enumerate(blocks):
                out = {}
                for name, mom in moments.items():
                    vals, parts = tails[name] if i == 0 else _empty(mom.mean.shape[0] - 1)
                    out[name] = (mom, vals, parts, 0)  # (zeros come as rows: Tail.kept)
                yield out, rp
            if g + window < len(groups):  # after the merge: the floors have risen
                submit(g + window)
    finally:
        if live:
            client.cancel(list(live.values()))


def _empty(k: int):
    return np.empty(0), np.empty((0, k))


def _apply(func, shared, items):
    return [func(shared, item) for item in items]


def map_chunks(func, shared, items: list, client=None) -> list:
    """``[func(shared, item) for item in items]`` as tasks on the cluster, in order.

    ``shared`` (a fit, a model) is scattered once; ``items`` (small: seeds, indices) are cut
    into a few chunks per worker thread, so each task amortizes its overhead.
    """
    client = get_client(client)
    threads = _threads(client)
    remote = client.scatter(shared, broadcast=True, hash=False)
    per = max(1, -(-len(items) // (TASKS_PER_THREAD * threads)))
    chunks = [items[i : i + per] for i in range(0, len(items), per)]
    futures = [client.submit(_apply, func, remote, chunk, pure=False) for chunk in chunks]
    try:
        return [row for chunk in client.gather(futures) for row in chunk]
    finally:
        client.cancel([*futures, remote])
