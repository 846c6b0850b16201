"""Settlement arithmetic: pure Python (Decimal money, exact ratios), no Django, DRF or Celery.

* `mssp.settle_mssp`: MSSP reconciliation (domain.md 3).
* `reach.settle_reach`: ACO REACH / GPDC settlement (domain.md 4).
* `mcp.mcp_close_out`: Making Care Primary close-out statement (domain.md 5).
* `distribution.allocate`: earned savings or owed losses split among participant TINs.
* `projection.project_mssp`, `projection.project_reach`: a projected settlement during the year
  with a bootstrap band (one shared path, `projection.project`).
* `batch.run_batch`: the CSV batch calculator.

Parameters arrive as frozen dataclasses (`parameters.py`) built by the caller; rounding happens
only in `rounding.py`.
"""
