"""Benchmarks: ``python -m bench <name> [options]``; each prints one JSON object of figures on its last line."""
