"""``riskmodel book``: simulate an insurer's book of exchange policies, write a report folder."""

from __future__ import annotations

import argparse

from ._common import (
    compile_notice,
    positive_int,
    print_json,
    probability,
    seed,
    settle_heap,
)
from ._dask import DASK_HELP, dask_backend, dask_spec

DEFAULT_DIR = "riskmodel-book"

EXAMPLES = """examples:
  riskmodel book example                         # the bundled 20-exchange book -> ./riskmodel-book
  riskmodel book mybook.toml reports/q3 --n-sims 1e6 --level 0.995
  riskmodel book example --json --no-tables      # JSON summary, no year/event loss tables

The folder holds book.pdf (summary and assumptions, AEP/OEP curves, policies' price against
premium), book.json (every number, the inputs' assumptions and the seed), return_periods.csv,
policies.csv and the year and event loss tables (CSV; Parquet too with pyarrow installed).
It is written atomically. The same seed reproduces every number.
"""


def _count(text: str) -> int:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not value.is_integer():
        raise argparse.ArgumentTypeError(f"must be a whole number, got {text}")
    return positive_int(str(int(value)))


def add_parser(sub) -> None:
    """Register the ``book`` subcommand."""
    p = sub.add_parser(
        "book",
        help="simulate an insurer's book of exchange policies with shared events",
        description="Simulate a book of exchange policies (TOML: profiles, layers, shares, "
        "premiums and shared events) and write a report folder: AEP/OEP return periods with "
        "intervals, average annual loss, each policy's allocated capital and price, and the "
        "year and event loss tables.",
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("book", metavar="BOOK.toml", help="the book (TOML), or 'example'")
    p.add_argument(
        "out_dir",
        nargs="?",
        default=DEFAULT_DIR,
        metavar="OUT_DIR",
        help=f"report folder (default ./{DEFAULT_DIR}); must be new or empty unless --overwrite",
    )
    p.add_argument(
        "--n-sims", type=_count, default=100_000, metavar="N", help="years (default 100,000)"
    )
    p.add_argument("--seed", type=seed, default=2026, help="random seed (default 2026)")
    p.add_argument("--threads", type=positive_int, default=None, help="worker threads")
    p.add_argument(
        "--dask", type=dask_spec, default=None, metavar="ADDRESS|local:N", help=DASK_HELP
    )
    p.add_argument(
        "--level", type=probability, default=0.99, help="TVaR level of capital (default 0.99)"
    )
    p.add_argument(
        "--cost-of-capital",
        type=probability,
        default=0.10,
        help="annual cost of capital of the price (default 0.10)",
    )
    p.add_argument("--no-tables", action="store_true", help="skip the year and event loss tables")
    p.add_argument("--overwrite", action="store_true", help="replace OUT_DIR if not empty")
    p.add_argument("--json", action="store_true", help="print a JSON summary")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Run ``riskmodel book``."""
    from ..book import example_book, load_book
    from ..book._kernels import book_block
    from ..book.report import write_book_report

    book = example_book() if args.book == "example" else load_book(args.book)
    compile_notice((book_block, 10))
    settle_heap(args)
    with dask_backend(args) as dask_kw:
        try:
            rep = write_book_report(
                args.out_dir,
                book,
                n_sims=args.n_sims,
                seed=args.seed,
                level=args.level,
                cost_of_capital=args.cost_of_capital,
                n_threads=args.threads,
                tables=not args.no_tables,
                overwrite=args.overwrite,
                **dask_kw,
            )
        except FileExistsError:
            raise ValueError(
                f"{args.out_dir} exists and is not empty: give another OUT_DIR, or --overwrite"
            ) from None
        except NotADirectoryError:
            raise ValueError(f"{args.out_dir} exists and is not a folder") from None
    if args.json:
        doc = rep.document
        print_json(
            {
                "path": str(rep.path),
                "files": list(rep.files),
                "summary": doc["summary"],
                "provenance": doc["provenance"],
            }
        )
        return 0
    print(rep.summary())
    return 0
