"""Signals of the job machinery, for apps that follow one job with another (the monthly cycle
after a CCLF load) without the job's app knowing about them."""

from __future__ import annotations

from django.dispatch import Signal

#: Sent once a job has succeeded and its result is stored: sender is the job's kind (a str),
#: with `job` (the Job) and `result` (its result dict). Receivers run in the worker; one that
#: fails is logged and does not change the job's outcome.
job_succeeded = Signal()

#: Sent by a load command (run outside the job machinery) once its load has committed: sender is
#: the kind of the job that does the same load (so one receiver serves both), with `entity` and
#: `parameters` (what was loaded). A receiver that queues follow-up work answers with a line for
#: the command to print (its job and progress page), or None.
load_committed = Signal()
