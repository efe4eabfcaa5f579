"""Benchmarks: synthetic dumps in the real format, and timings that print figures."""
