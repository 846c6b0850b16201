"""Writes of the benchmarks app: reference uploads, risk scores, benchmark calculations."""
