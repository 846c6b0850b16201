"""How a job is named and where it leads, for the pages: a title in words instead of its kind
("Alignment run", not `alignment.run`), the page of what it made once it has succeeded, and the
page it was started from. URLs are reversed by name, so this app imports none of the apps whose
jobs it names."""

from __future__ import annotations

from typing import Any

from django.urls import NoReverseMatch, reverse

KIND_TITLES = {
    "alignment.run": "Alignment run",
    "alignment.work": "Alignment run (helper)",
    "benchmarks.calculate": "Benchmark calculation",
    "benchmarks.risk_scores": "Risk scores",
    "benchmarks.high_needs": "ACO REACH High Needs eligibility",
    "care.refresh": "Care refresh",
    "care.roster_export": "Roster export",
    "claims.load_delivery": "Claims delivery load",
    "cclf.load": "Claims delivery load",
    "partners.bulk_export": "Partner bulk export",
    "settlement.run": "Settlement from report figures",
    "settlement.collect": "Settlement on the platform's data",
    "jobs.demo": "Demonstration job",
    "quality.compute": "Quality measures from claims",
    "specialists.lead_run": "Lead-specialist attribution",
    "cmslists.load": "CMS list load",
}


def job_title(job: Any) -> str:
    """The job's kind in words; an unknown kind is spelled out from its code name."""
    from core.display import words

    return KIND_TITLES.get(job.kind) or words(job.kind)


def _url(name: str, *args: Any) -> str | None:
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return None


def job_links(job: Any) -> dict[str, tuple[str, str] | None]:
    """`result`: (label, url) of what the job made, once it has succeeded (of an upload that
    failed: where to upload the corrected file); `back`: (label, url) of the page the job belongs
    to (shown whatever its state)."""
    result = job.result if isinstance(job.result, dict) else {}
    params = job.parameters if isinstance(job.parameters, dict) else {}
    entity_id = job.entity_id
    back: tuple[str, str] | None = None
    done: tuple[str, str] | None = None
    succeeded = job.state == "succeeded"
    kind = job.kind
    if kind.startswith("alignment."):
        run_id = result.get("run_id") or params.get("run_id")
        if run_id:
            url = _url("alignment:run_detail", run_id)
            back = ("The alignment run", url) if url else None
            if succeeded and url:
                done = ("See the alignment run", url)
    elif kind == "benchmarks.calculate":
        if succeeded and result.get("calculation_id"):
            url = _url("benchmarks:calculation_detail", result["calculation_id"])
            done = (
                (f"See benchmark version {result.get('version', '')}".strip(), url) if url else None
            )
        url = _url("benchmarks:index")
        back = ("Benchmarks", url) if url else None
    elif kind == "benchmarks.risk_scores" and entity_id and params.get("payment_year"):
        url = _url("benchmarks:risk_list", entity_id, int(params["payment_year"]))
        if url:
            back = (f"Risk scores, payment year {params['payment_year']}", url)
            done = back if succeeded else None
    elif kind == "benchmarks.high_needs" and entity_id and params.get("performance_year"):
        url = _url("benchmarks:entity_type", entity_id, int(params["performance_year"]))
        if url:
            back = (f"ACO REACH entity type, PY{params['performance_year']}", url)
            done = back if succeeded else None
    elif kind.startswith("settlement.") and entity_id and params.get("performance_year"):
        url = _url("settlement:entity_year", entity_id, int(params["performance_year"]))
        if url:
            back = (f"Settlement PY{params['performance_year']}", url)
            if succeeded and result.get("version"):
                version_url = f"{url}?version={result['version']}"
                kind_word = "projection" if result.get("kind") == "projection" else "version"
                done = (f"See the new {kind_word} (v{result['version']})", version_url)
                if result.get("kind") == "projection":
                    done = (f"See the projection (v{result['version']})", url)
    elif kind == "care.refresh" and entity_id:
        url = _url("care:overview", entity_id)
        if url:
            back = ("The care overview", url)
            done = ("See the refreshed overview", url) if succeeded else None
    elif kind == "care.roster_export":
        url = _url("care:export", job.pk)
        done = ("Download the export", f"{url}?download=1") if succeeded and url else None
        roster = _url("care:roster", entity_id) if entity_id else None
        back = ("The roster", roster) if roster else None
    elif kind == "quality.compute" and entity_id:
        url = _url("quality:overview", entity_id)
        if url:
            back = ("Quality measures", url)
            done = ("See the quality measures", url) if succeeded and result.get("stored") else None
    elif kind == "specialists.lead_run" and entity_id:
        url = _url("specialists:entity", entity_id)
        if url:
            back = ("Lead specialists", url)
            done = ("See the lead specialists", url) if succeeded else None
    elif kind == "cmslists.load" and entity_id:
        url = _url("alignment:reconciliation_index")
        back = ("Reconciliation with CMS", url) if url else None
        if succeeded and result.get("cms_list_id"):
            listed = _url("admin:cmslists_cmslist_change", result["cms_list_id"])
            done = (
                (f"See the list loaded: {result.get('list') or 'CMS list'}", listed)
                if listed
                else None
            )
        elif job.state == "failed":
            # A rejected report is corrected and uploaded again: the way there, not a dead end.
            upload = _url("admin:cmslists_cmslist_upload")
            done = ("Upload the corrected report", upload) if upload else None
    elif kind in ("claims.load_delivery", "cclf.load"):
        url = _url("admin:claims_delivery_changelist")
        back = ("Claims deliveries", url) if url else None
        if succeeded and result.get("delivery_id"):
            loaded = _url("admin:claims_delivery_change", result["delivery_id"])
            done = ("See the delivery loaded", loaded) if loaded else None
        elif job.state == "failed":
            upload = _url("admin:claims_delivery_upload")
            done = ("Upload a corrected delivery", upload) if upload else None
    if back is None:
        # Never a dead end: a job no page owns leads home, where the person's jobs are listed.
        url = _url("home")
        back = ("Home", url) if url else None
    return {"result": done, "back": back}
