"""Benchmarks: speed, scale and memory of mentorbot, each next to the naive alternative in the same run.

Run `make bench` (or `.venv/bin/python -m bench --quick`); see README "Benchmarks". These are not
tests: `tests/test_bench_smoke.py` only runs each at a tiny size so the scripts cannot rot.
"""
