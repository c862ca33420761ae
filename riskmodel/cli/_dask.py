"""``--dask ADDRESS`` and ``--dask local:N``: run a command's simulations on a Dask cluster."""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import sys
from collections.abc import Iterator
from typing import Any

__all__ = ["DASK_HELP", "dask_backend", "dask_spec"]

DASK_HELP = (
    "run the simulation on a Dask cluster: a scheduler ADDRESS (tcp://host:8786), or local:N "
    "to start N worker processes for this run (needs pip install 'riskmodel[dask]'; the "
    "numbers are the same as without it)"
)


def dask_spec(text: str) -> tuple[str, Any]:
    """argparse type: ``("local", N)`` for ``local:N``, else ``("address", text)``."""
    if text.startswith("local:") or text == "local":
        n = text.partition(":")[2]
        if not n.isdigit() or int(n) < 1:
            raise argparse.ArgumentTypeError(
                f"local:N needs a positive number of worker processes, got {text!r}"
            )
        return "local", int(n)
    if not text or text.startswith("-"):
        raise argparse.ArgumentTypeError(f"not a scheduler address: {text!r}")
    return "address", text


@contextlib.contextmanager
def dask_backend(args: argparse.Namespace) -> Iterator[dict[str, Any]]:
    """The simulate options for ``--dask`` (``{}`` without it), the cluster open meanwhile."""
    spec = getattr(args, "dask", None)
    if spec is None:
        yield {}
        return
    try:
        from distributed import Client, LocalCluster
    except ImportError:
        raise ValueError("--dask needs dask.distributed: pip install 'riskmodel[dask]'") from None
    kind, value = spec
    quiet = logging.ERROR
    with contextlib.ExitStack() as stack:
        if kind == "local":
            threads = max(1, (os.cpu_count() or 1) // value)
            cluster = stack.enter_context(
                LocalCluster(
                    n_workers=value,
                    threads_per_worker=threads,
                    processes=True,
                    dashboard_address=None,
                    silence_logs=quiet,
                )
            )
            client = stack.enter_context(Client(cluster))
        else:
            try:
                client = stack.enter_context(Client(value, timeout="20s"))
            except OSError as exc:
                raise ValueError(
                    f"--dask: cannot reach the Dask scheduler at {value}: {exc}"
                ) from None
        progress = getattr(args, "progress", None)
        if sys.stderr.isatty() if progress is None else progress:
            workers = client.scheduler_info().get("workers", {})
            print(
                f"dask: {len(workers)} worker(s), {sum(client.nthreads().values())} thread(s) "
                f"at {client.scheduler.address}",
                file=sys.stderr,
            )
        yield {"backend": "dask", "client": client}
