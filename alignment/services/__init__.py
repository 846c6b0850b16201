"""Writes of the alignment app: runs (runs.py), voluntary alignment records (voluntary.py), and
the inputs the engine reads (inputs.py)."""
