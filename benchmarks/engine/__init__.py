"""Pure benchmark engine: CMS-HCC risk (through hccinfhir), expenditures, MSSP and REACH benchmarks.

Nothing here imports Django, DRF or Celery, reads the clock, the database or settings. Callers pass
frames (column names in `columns.py`), reference values (`reference.ReferenceTable`) and years in;
engines return frames or frozen dataclasses whose `steps` explain every figure.
"""
