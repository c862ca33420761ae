"""Bundled example books (package data): ``example_book.toml``; see ``README.md``."""
