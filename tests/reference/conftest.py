"""The scripts here regenerate reference values (some need mpmath or R); they are not tests,
and ``--doctest-modules`` must not import them."""

collect_ignore_glob = ["*.py"]
