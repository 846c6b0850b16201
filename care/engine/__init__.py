"""Pure care-gap and worklist rules: plain Python and pandas, no Django, DRF or Celery."""
