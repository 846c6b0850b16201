"""Signals of the job machinery, for apps that follow one job with another (the monthly cycle
after a CCLF load) without the job's app knowing about them."""

from __future__ import annotations

from django.dispatch import Signal

#: Sent once a job has succeeded and its result is stored: sender is the job's kind (a str),
#: with `job` (the Job) and `result` (its result dict). Receivers run in the worker; one that
#: fails is logged and does not change the job's outcome.
job_succeeded = Signal()
