"""Blocks run on worker threads and merged in block order by the workers themselves.

A simulation's blocks may finish in any order, but are merged in block order (so a result
does not depend on the thread count). :func:`run_in_order` has each worker claim the next
block, run it, and then merge every block that is next in order and done, its own and those
that finished before the ones ahead of them. No thread waits on another to hand it a result:
the caller's thread only waits for the end. (Merging on the caller's thread instead woke it
once a block, and on a machine with as many CPUs as workers took CPU time from them: a few
percent of the plain benchmark's time on two threads, ``benchmarks/README.md``.)
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import FIRST_EXCEPTION, Executor, wait
from typing import Any

__all__ = ["run_in_order"]


class _Blocks:
    """The shared state of one :func:`run_in_order`: the next block to claim, the next to
    merge, and the blocks done but not yet merged (at most ``depth`` run ahead)."""

    def __init__(
        self,
        blocks: range,
        work: Callable[[int], Any],
        merge: Callable[[int, Any], None],
        depth: int,
    ) -> None:
        self._cond = threading.Condition()
        self._next = blocks.start  # the next block to claim
        self._merged = blocks.start  # the next block to merge
        self._end = blocks.stop
        self._done: dict[int, Any] = {}
        self._stop = False
        self._work, self._merge, self._depth = work, merge, depth

    def _claim(self) -> int | None:
        """The next block to run, or None when there is none (or the run stops). A worker
        ``depth`` blocks ahead of the merge waits for it: the results held stay few."""
        with self._cond:
            while (
                not self._stop
                and self._next < self._end
                and self._next - self._merged >= self._depth
            ):
                self._cond.wait()
            if self._stop or self._next >= self._end:
                return None
            self._next += 1
            return self._next - 1

    def worker(self) -> None:
        """Claim, run and merge blocks until none are left (an error ends this worker, and
        reaches the caller through its future)."""
        while (b := self._claim()) is not None:
            result = self._work(b)
            with self._cond:
                self._done[b] = result
                while self._merged in self._done and not self._stop:
                    self._merge(self._merged, self._done.pop(self._merged))
                    self._merged += 1
                self._cond.notify_all()

    def stop(self) -> None:
        """No more blocks are claimed or merged (those running finish, unmerged)."""
        with self._cond:
            self._stop = True
            self._cond.notify_all()


def run_in_order(
    pool: Executor,
    threads: int,
    blocks: range,
    work: Callable[[int], Any],
    merge: Callable[[int, Any], None],
    depth: int,
) -> None:
    """``merge(b, work(b))`` for each block ``b`` of ``blocks``, in block order, with
    ``work`` run on ``threads`` workers of ``pool``.

    ``merge`` runs on the worker threads, one call at a time, in block order. At most
    ``depth`` blocks are claimed ahead of the next one to merge, so that the results held do
    not grow with the number of blocks. ``threads`` and ``depth`` must be at least 1
    (``ValueError``: with no worker nothing would run, and with no depth nothing be claimed).

    An error in ``work`` or ``merge`` (or an interrupt of the caller) stops the workers: they
    finish the blocks they run, merge nothing more, and the error is raised here once they
    have stopped.

    Examples
    --------
    >>> from concurrent.futures import ThreadPoolExecutor
    >>> merged = []
    >>> with ThreadPoolExecutor(2) as pool:
    ...     run_in_order(pool, 2, range(5), lambda b: b * b, lambda b, r: merged.append(r), 4)
    >>> merged
    [0, 1, 4, 9, 16]
    """
    if threads < 1 or depth < 1:
        raise ValueError(f"threads and depth: must be at least 1, got {threads} and {depth}")
    state = _Blocks(blocks, work, merge, depth)
    futures = [pool.submit(state.worker) for _ in range(min(threads, len(blocks)))]
    try:
        wait(futures, return_when=FIRST_EXCEPTION)  # (all done, or one failed)
    finally:
        state.stop()
        wait(futures)  # (nothing runs on after the caller has its answer)
    for f in futures:
        f.result()  # (the first error, if any)
