"""Writes of the alignment app: runs (runs.py), voluntary alignment records (voluntary.py), the
inputs the engine reads (inputs.py), and the engine's population of a benchmark year for the
benchmarks app (benchmark_years.py)."""
