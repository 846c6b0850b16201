"""Dates as every page shows them (core.display.day): 2025-12-31 and 2025-12-31 14:05, also where
Django renders a date itself (the admin console's lists and read-only fields, `|date` without a
format), instead of the English locale's "Dec. 31, 2025, 2:05 p.m."."""

DATE_FORMAT = "Y-m-d"
DATETIME_FORMAT = "Y-m-d H:i"
SHORT_DATE_FORMAT = "Y-m-d"
SHORT_DATETIME_FORMAT = "Y-m-d H:i"
TIME_FORMAT = "H:i"
