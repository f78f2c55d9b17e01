"""Benchmark scripts (run as files: .venv/bin/python bench/NAME.py); a package so that bench/payments.py
is bench.payments to mypy, not a second `payments`."""
