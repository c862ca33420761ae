"""A one-line progress bar on stderr: percentage, count, rate and time left.

Used by long runs (the simulation engine, the goodness-of-fit bootstrap, the report) when
asked for with ``progress=True``; the command line asks for it when stderr is a terminal.
No dependency: a bar is a ``\\r``-rewritten line, redrawn at most every ``min_interval``
seconds, finished by a line with the total time. On a stream that is not a terminal only the
finished line is written, so logs get one line per run instead of carriage returns.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from typing import TextIO

__all__ = ["Progress"]

_WIDTH = 20  # characters of the bar itself
_ERASE = "\033[K"  # erase to the end of the line (a redrawn line may be shorter)


def _count(x: float) -> str:
    """1,234 below a million, then 1.23M, 4.56G."""
    if x < 1e6:
        return f"{x:,.0f}"
    for div, suffix in ((1e9, "G"), (1e6, "M")):
        if x >= div:
            return f"{x / div:.3g}{suffix}"
    raise AssertionError("unreachable")


def _clock(seconds: float) -> str:
    seconds = round(seconds)
    h, rest = divmod(seconds, 3600)
    m, s = divmod(rest, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"


class Progress:
    """Progress of ``total`` units of work, written to ``stream`` (stderr by default).

    Parameters
    ----------
    total : int
        Units of work in all (years, bootstrap refits).
    unit : str
        Name of a unit, plural (``"years"``).
    desc : str
        What is running, written before the bar.
    enabled : bool
        ``False`` writes nothing (the object still counts).
    stream : file-like, optional
        Where to write; default ``sys.stderr``.
    min_interval : float
        Seconds between redraws.
    clock : callable, optional
        Seconds as a float (default ``time.perf_counter``); tests pass a fake one.

    Examples
    --------
    >>> import io
    >>> ticks = iter([0.0, 4.0])  # the clock at the start and at the end
    >>> out = io.StringIO()
    >>> with Progress(1000, "years", "simulating", stream=out, clock=lambda: next(ticks)) as bar:
    ...     bar.update(500)
    ...     bar.update(500)
    >>> print(out.getvalue().strip())
    simulating 100% [====================] 1,000/1,000 years in 0:04 (250 years/s)
    """

    def __init__(
        self,
        total: int,
        unit: str,
        desc: str = "",
        *,
        enabled: bool = True,
        stream: TextIO | None = None,
        min_interval: float = 0.2,
        clock: Callable[[], float] | None = None,
    ) -> None:
        self.total = max(int(total), 0)
        self.unit = unit
        self.desc = desc
        self.enabled = bool(enabled)
        self.stream = stream if stream is not None else sys.stderr
        self.min_interval = float(min_interval)
        self._clock = clock if clock is not None else time.perf_counter
        self.done = 0
        self._start = self._clock()
        self._last_draw = -float("inf")
        self._closed = False
        isatty = getattr(self.stream, "isatty", None)
        self._live = self.enabled and bool(isatty and isatty())

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, exc_type, *rest) -> None:
        if exc_type is None:
            self.close()
        elif self._live and not self._closed:  # leave the bar where it stopped
            self._closed = True
            self._write("")

    def update(self, n: int = 1) -> None:
        """Record ``n`` more units done; redraw when ``min_interval`` has passed."""
        self.done += int(n)
        if not self._live or self.done >= self.total:  # the closing line says it
            return
        now = self._clock()
        if now - self._last_draw >= self.min_interval:
            self._last_draw = now
            self._write("\r" + self.line(now - self._start) + _ERASE, end="")

    def line(self, elapsed: float) -> str:
        """The bar after ``elapsed`` seconds: percentage, count, rate and time left."""
        frac = min(self.done / self.total, 1.0) if self.total else 1.0
        filled = int(frac * _WIDTH)
        bar = "=" * filled + (">" if filled < _WIDTH else "") + " " * (_WIDTH - filled - 1)
        head = f"{self.desc} {frac:4.0%} [{bar[:_WIDTH]}] "
        head += f"{_count(self.done)}/{_count(self.total)} {self.unit}"
        if self.done >= self.total:
            rate = self.done / elapsed if elapsed > 0 else float("inf")
            return f"{head} in {_clock(elapsed)} ({_count(rate)} {self.unit}/s)".lstrip()
        if self.done == 0 or elapsed <= 0:
            return head.lstrip()
        rate = self.done / elapsed
        left = (self.total - self.done) / rate
        return f"{head}, {_count(rate)} {self.unit}/s, {_clock(left)} left".lstrip()

    def close(self) -> None:
        """Write the finished line (once)."""
        if self._closed:
            return
        self._closed = True
        if self.enabled:
            text = self.line(self._clock() - self._start)
            self._write("\r" + text + _ERASE if self._live else text)

    def _write(self, text: str, end: str = "\n") -> None:
        print(text, end=end, file=self.stream, flush=True)
