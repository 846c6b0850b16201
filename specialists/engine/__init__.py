"""Pure specialist logic: lead-specialist attribution from claims (`lead`), its conditions as
data (`conditions`). No Django, DRF or Celery here (STYLE.md 2)."""
