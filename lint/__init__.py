"""Checks of the code's structure that `make lint` runs beside ruff (see .importlinter)."""
