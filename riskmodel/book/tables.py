"""The book's loss tables as files: CSV always, Parquet when ``pyarrow`` is installed.

Year loss table (``year_loss_table.csv``), one row per (year, policy, event type) with a loss:

============  ==================================================================
``year``      simulated year, 1 to n_sims (years without losses are not written)
``policy``    policy name
``event_type`` loss category (``hack``, ``fraud``, ``operational``) or shared event name
``gross``     the exchange's ground-up loss, USD
``ceded``     the insurer's loss: its share of the programme's recoveries, USD
============  ==================================================================

Event loss table (``event_loss_table.csv``), one row per simulated event:

==============  ================================================================
``year``        simulated year, 1 to n_sims
``event``       number of the event within the year, from 1
``event_type``  loss category or shared event name
``policies``    number of policies the event hit (1 for a policy's own loss)
``gross``       ground-up loss summed over those policies, USD
``ceded``       the insurer's loss summed over those policies, USD
==============  ================================================================

Parquet (optional extra ``riskmodel[parquet]``) holds the same columns; ``pyarrow`` is
imported only when these files are written.
"""

from __future__ import annotations

import importlib.util

__all__ = ["TABLES", "has_parquet", "table_frames", "write_tables"]

#: file stem -> BookResult method
TABLES = {"year_loss_table": "year_loss_table", "event_loss_table": "event_loss_table"}


def has_parquet() -> bool:
    """Whether ``pyarrow`` is installed (Parquet files can be written)."""
    return importlib.util.find_spec("pyarrow") is not None


def table_frames(result) -> dict[str, object]:
    """The year and event loss tables of ``result`` as DataFrames, by file stem."""
    return {stem: getattr(result, method)() for stem, method in TABLES.items()}


def write_tables(result, folder, parquet: bool | None = None) -> list[str]:
    """Write the year and event loss tables of ``result`` into ``folder``.

    Parameters
    ----------
    result : BookResult
        Simulated with ``keep_losses=True``.
    folder : path or riskmodel.report._files.ReportFolder
        A folder that exists, or an open report folder (atomic writes).
    parquet : bool, optional
        Also write Parquet; default: when ``pyarrow`` is installed. ``True`` without it raises.

    Returns
    -------
    list of str
        The file names written.

    Examples
    --------
    >>> import tempfile
    >>> from riskmodel.book import example_book
    >>> r = example_book(3).simulate(1_000, rng=1, keep_losses=True)
    >>> write_tables(r, tempfile.mkdtemp(), parquet=False)
    ['year_loss_table.csv', 'event_loss_table.csv']
    """
    from pathlib import Path

    from ..report._files import ReportFolder

    report = isinstance(folder, ReportFolder)
    if parquet is None:
        parquet = has_parquet()
    elif parquet and not has_parquet():
        raise ModuleNotFoundError("Parquet tables need pyarrow: pip install 'riskmodel[parquet]'")
    written = []
    for stem, frame in table_frames(result).items():
        csv = frame.to_csv(index=False, lineterminator="\n")
        if report:
            folder.write_text(f"{stem}.csv", csv)
        else:
            (Path(folder) / f"{stem}.csv").write_text(csv, encoding="utf-8")
        written.append(f"{stem}.csv")
        if parquet:
            name = f"{stem}.parquet"
            if report:
                tmp = folder.tmp_path(name)
                frame.to_parquet(tmp, index=False)
                folder.put(tmp, name)
            else:
                frame.to_parquet(Path(folder) / name, index=False)
            written.append(name)
    return written
