"""Benchmarks: `python -m benchmarks [NAME ...]` (`make bench`)."""
