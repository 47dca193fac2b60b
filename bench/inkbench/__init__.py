"""The pieces of `make bench` (bench/run.py is the entry point)."""
