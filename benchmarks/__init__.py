"""Benchmarks of Call Manager's audit log: `python -m benchmarks [--quick]` (`make bench`).

Every figure that has a baseline is reported as a ratio against it, measured in the same run,
because the machine these run on is small, shared and noisy. See `docs/performance.md`.
"""
