"""Benchmarks: speed and memory of the named queries on a large generated database."""
