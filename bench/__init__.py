"""Benchmarks for cleaner: `python -m bench --help`."""
