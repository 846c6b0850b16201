from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, render

from core.http import HtmxHttpRequest
from jobs.models import Job
from jobs.presentation import job_links, job_title


@login_required
def job_detail(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    job = get_object_or_404(Job.objects.for_user(request.user).select_related("entity"), pk=pk)
    template = "jobs/_job_status.html" if request.htmx else "jobs/job_detail.html"
    if not job.is_active:
        # "Job queued" (said when it was started) no longer holds once it has finished: the
        # page shows the state, not a stale banner above it (read here, so not shown again).
        for _ in messages.get_messages(request):
            pass
    context = {
        "job": job,
        "title": job_title(job),
        "links": job_links(job),
        "partial": bool(request.htmx),
        "hide_messages": not job.is_active,
    }
    return render(request, template, context)
