"""The admin console for entity administrators: scoping, plain-word validation, CSV import with
preview, export and history."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.urls import reverse

from entities.models import (
    EntityYear,
    ParameterBand,
    Participation,
    PerformanceYear,
    ProgramParameter,
    Track,
)
from entities.services.participations import participation_add
from tests.entities.conftest import roster_rows, to_csv
from tests.factories import EntityFactory

pytestmark = pytest.mark.django_db
D = dt.date


@pytest.fixture
def a_rows(entity_a, npis):
    first = participation_add(
        entity=entity_a,
        tin="123456789",
        npi=next(npis),
        specialty_code="08",
        start_date=D(2025, 1, 1),
        provider_name="Synthetic, Alice",
        tin_legal_name="Synthetic Family Medicine PC",
    )
    second = participation_add(
        entity=entity_a,
        tin="123456789",
        npi=next(npis),
        specialty_code="06",
        start_date=D(2025, 1, 1),
    )
    return [first, second]


def _admin_urls(entity, participation):
    return [
        reverse("admin:entities_entity_change", args=[entity.pk]),
        reverse("admin:entities_entity_history", args=[entity.pk]),
        reverse("admin:entities_entity_participant_import", args=[entity.pk]),
        reverse("admin:entities_entity_participant_export", args=[entity.pk]) + "?year=2025",
        reverse("admin:entities_participation_change", args=[participation.pk]),
        reverse("admin:entities_participation_history", args=[participation.pk]),
        reverse("admin:entities_provider_change", args=[participation.provider_id]),
        reverse("admin:entities_provider_history", args=[participation.provider_id]),
        reverse(
            "admin:entities_participantorganization_change", args=[participation.organization_id]
        ),
    ]


def test_an_entity_admin_opens_every_page_of_their_entity(
    entity_a, a_rows, console_admin, login_client
) -> None:
    client = login_client(console_admin)
    for url in _admin_urls(entity_a, a_rows[0]):
        response = client.get(url)
        assert response.status_code == 200, url


def test_the_admin_of_another_entity_gets_404_on_every_page(
    entity_a, a_rows, console_admin_b, login_client
) -> None:
    client = login_client(console_admin_b)
    for url in _admin_urls(entity_a, a_rows[0]):
        assert client.get(url).status_code == 404, url
    # Lists and filters show nothing of entity A.
    for name in ("entity", "participation", "provider", "participantorganization"):
        body = client.get(reverse(f"admin:entities_{name}_changelist")).content.decode()
        assert "A9001" not in body
        assert "Synthetic Valley ACO" not in body
        assert a_rows[0].provider.npi not in body


def test_users_without_console_access_are_sent_to_the_login_page(
    entity_a, a_rows, client_b
) -> None:
    response = client_b.get(reverse("admin:entities_entity_change", args=[entity_a.pk]))
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


def test_the_participation_list_filters_and_searches_by_npi_tin_and_specialty(
    entity_a, a_rows, console_admin, login_client
) -> None:
    client = login_client(console_admin)
    url = reverse("admin:entities_participation_changelist")
    pcp_npi, cardio_npi = a_rows[0].provider.npi, a_rows[1].provider.npi
    body = client.get(url, {"q": pcp_npi}).content.decode()
    assert pcp_npi in body
    assert cardio_npi not in body
    body = client.get(url, {"q": "Cardiovascular"}).content.decode()
    assert cardio_npi in body
    assert pcp_npi not in body
    body = client.get(url, {"class": "pcp"}).content.decode()
    assert pcp_npi in body
    assert cardio_npi not in body
    body = client.get(url, {"q": "123456789", "year": "2025", "status": "active"}).content.decode()
    assert pcp_npi in body
    assert cardio_npi in body


def test_the_add_form_explains_a_bad_npi_and_an_overlap_in_plain_words(
    entity_a, a_rows, console_admin, login_client
) -> None:
    client = login_client(console_admin)
    url = reverse("admin:entities_participation_add")
    data = {
        "entity": entity_a.pk,
        "tin": "123456789",
        "npi": "1234567890",
        "ccn": "",
        "specialty_code": "08",
        "role": "participant",
        "start_date": "2025-03-01",
        "end_date": "",
    }
    body = client.post(url, data).content.decode()
    assert "NPI 1234567890 is not valid: its check digit should be 3" in body
    data["npi"] = a_rows[0].provider.npi
    body = client.post(url, data).content.decode()
    assert "is already on the list from 2025-01-01, open-ended" in body
    assert Participation.objects.count() == 2
    data["npi"], data["start_date"] = "1234567893", "2025-03-01"
    response = client.post(url, data)
    assert response.status_code == 302
    created = Participation.objects.get(provider__npi="1234567893")
    assert created.history.first().history_user == console_admin


def test_the_entity_page_edits_participations_inline_and_keeps_history(
    entity_a, a_rows, console_admin, login_client
) -> None:
    client = login_client(console_admin)
    url = reverse("admin:entities_entity_change", args=[entity_a.pk])
    page = client.get(url)
    formset = page.context["inline_admin_formsets"][1].formset
    data = {
        "legal_name": entity_a.legal_name,
        "tin": "",
        "agreement_start": "",
        "assignment_method": "prospective",
        "msr_mlr_choice": "",
        "years-TOTAL_FORMS": "0",
        "years-INITIAL_FORMS": "0",
        f"{formset.prefix}-TOTAL_FORMS": "3",
        f"{formset.prefix}-INITIAL_FORMS": "2",
    }
    for i, row in enumerate(formset.queryset):
        data |= {
            f"{formset.prefix}-{i}-id": row.pk,
            f"{formset.prefix}-{i}-entity": entity_a.pk,
            f"{formset.prefix}-{i}-role": row.role,
            f"{formset.prefix}-{i}-start_date": "2025-01-01",
            f"{formset.prefix}-{i}-end_date": "",
        }
    ended = formset.queryset[0]
    data[f"{formset.prefix}-0-end_date"] = "2025-06-30"
    data |= {
        f"{formset.prefix}-2-entity": entity_a.pk,
        f"{formset.prefix}-2-tin": "987654321",
        f"{formset.prefix}-2-npi": "1245319599",
        f"{formset.prefix}-2-specialty_code": "11",
        f"{formset.prefix}-2-role": "participant",
        f"{formset.prefix}-2-start_date": "2025-02-01",
        f"{formset.prefix}-2-end_date": "",
    }
    response = client.post(url, data)
    assert response.status_code == 302, response.context["errors"] if response.context else response
    ended.refresh_from_db()
    assert ended.end_date == D(2025, 6, 30)
    assert Participation.objects.filter(provider__npi="1245319599", entity=entity_a).exists()
    history = client.get(
        reverse("admin:entities_participation_history", args=[ended.pk])
    ).content.decode()
    assert "end_date" in history.replace(" ", "_").lower() or "effective end" in history.lower()
    assert "2025-06-30" in history or "June 30, 2025" in history
    assert console_admin.email in history or console_admin.full_name in history


def test_csv_import_previews_three_bad_rows_then_imports_the_fixed_file_and_exports_it(
    entity_a, console_admin, login_client
) -> None:
    client = login_client(console_admin)
    url = reverse("admin:entities_entity_participant_import", args=[entity_a.pk])
    rows = roster_rows(1000)
    rows[99]["npi"] = "1234567890"
    rows[499]["specialty_code"] = "ZZ"
    rows[899]["effective_start"] = "2025-13-01"
    upload = io.BytesIO(to_csv(rows).encode())
    upload.name = "participants.csv"
    page = client.post(url, {"step": "preview", "performance_year": "2025", "file": upload})
    body = page.content.decode()
    assert page.status_code == 200
    assert "3 rows with errors" in body
    assert "NPI 1234567890 is not valid" in body
    assert "Specialty code ZZ is not a CMS specialty code" in body
    assert "Effective start &#x27;2025-13-01&#x27; is not a date" in body
    assert "Import 1,000 rows" not in body
    assert Participation.objects.count() == 0
    # Counts with separators, the file's columns named in words (Specialty code, not
    # specialty_code), and nothing else a page must not show.
    from tests.page_scan import problems

    assert "1,000 rows:" in body
    assert problems(body) == []

    rows[99]["npi"], rows[499]["specialty_code"], rows[899]["effective_start"] = (
        "1234567893",
        "08",
        "2025-01-01",
    )
    upload = io.BytesIO(to_csv(rows).encode())
    upload.name = "participants.csv"
    page = client.post(url, {"step": "preview", "performance_year": "2025", "file": upload})
    assert "Import 1,000 rows" in page.content.decode()
    response = client.post(
        url, {"step": "import", "performance_year": "2025", "content": page.context["content"]}
    )
    assert response.status_code == 302
    assert Participation.objects.filter(entity=entity_a).count() == 1000

    export = client.get(
        reverse("admin:entities_entity_participant_export", args=[entity_a.pk]), {"year": "2025"}
    )
    assert export["Content-Disposition"] == 'attachment; filename="A9001_participants_PY2025.csv"'
    exported = list(csv.DictReader(io.StringIO(export.content.decode())))
    assert len(exported) == 1000
    assert {r["npi"] for r in exported} == {r["npi"] for r in rows}
    # The list's count as pages write counts.
    listing = client.get(reverse("admin:entities_participation_changelist")).content.decode()
    assert "1,000 participations" in listing


def test_entity_admins_read_the_registry_but_only_staff_edit_it(
    console_admin, login_client, admin_client
) -> None:
    parameter = ProgramParameter.objects.get(
        program__code="mssp", performance_year=2025, key="qps_score"
    )
    client = login_client(console_admin)
    url = reverse("admin:entities_programparameter_change", args=[parameter.pk])
    page = client.get(url)
    assert page.status_code == 200
    assert b"76.70" in page.content
    # Its source reads as the CMS document behind it, not our rules digest or our files.
    from tests.page_scan import problems

    band = ParameterBand.objects.filter(table="msr_variable").first()
    for shown in (page, client.get(reverse("admin:entities_parameterband_change", args=[band.pk]))):
        assert problems(shown.content.decode()) == []
    assert client.post(url, {"value": "1"}).status_code == 403
    listing = client.get(reverse("admin:entities_programparameter_changelist"), {"to_confirm": "1"})
    assert b"max_sharing_rate" in listing.content
    # Staff edit the figure as written (76.70), not as stored (76.700000).
    from tests.page_scan import problems

    edit = admin_client.get(url).content.decode()
    assert 'value="76.70"' in edit
    assert not [p for p in problems(edit) if "raw decimals" in p]
    # The lists show figures as people read them (76.70, 5,000), not as stored (76.7000).
    listing = client.get(reverse("admin:entities_programparameter_changelist"), {"q": "qps_score"})
    assert b"76.70<" in listing.content
    assert b"76.7000" not in listing.content
    bands = client.get(reverse("admin:entities_parameterband_changelist")).content.decode()
    assert ">5,000<" in bands
    assert ".0000" not in bands


def test_change_requests_are_added_submitted_and_accepted_from_the_console(
    entity_a, a_rows, console_admin, login_client
) -> None:
    from entities.models import ParticipantChangeRequest

    client = login_client(console_admin)
    add_url = reverse("admin:entities_participantchangerequest_add")
    data = {
        "entity": entity_a.pk,
        "action": "drop",
        "performance_year": "2026",
        "tin": "123456789",
        "npi": "1234567893",
        "ccn": "",
        "specialty_code": "",
        "role": "participant",
        "effective_date": "2026-01-01",
        "reason": "",
    }
    body = client.post(add_url, data).content.decode()
    assert "NPI 1234567893 is not on the participant list on 2025-12-31" in body
    data["npi"] = a_rows[1].provider.npi
    assert client.post(add_url, data).status_code == 302
    change = ParticipantChangeRequest.objects.get()
    assert change.created_by == console_admin

    listing = reverse("admin:entities_participantchangerequest_changelist")
    page = client.get(listing).content.decode()
    assert "not set for this performance year" in page
    for action in ("submit_requests", "accept_requests"):
        client.post(listing, {"action": action, "_selected_action": [change.pk]})
    change.refresh_from_db()
    assert change.status == "accepted"
    a_rows[1].refresh_from_db()
    assert a_rows[1].end_date == D(2025, 12, 31)


def test_the_entity_list_shows_this_years_track_and_headcount_in_few_queries(
    entity_a, a_rows, admin_client, django_assert_max_num_queries
) -> None:
    year = dt.date.today().year  # noqa: DTZ011 - the admin shows the current calendar year
    PerformanceYear.objects.get_or_create(
        program=entity_a.program,
        year=year,
        defaults={"start_date": D(year, 1, 1), "end_date": D(year, 12, 31)},
    )
    EntityYear.objects.create(
        entity=entity_a, performance_year=year, track=Track.objects.get(code="basic_d")
    )
    for n in range(5):
        EntityFactory(program=entity_a.program, cms_id=f"A80{n:02d}")
    with django_assert_max_num_queries(12):
        body = admin_client.get(reverse("admin:entities_entity_changelist")).content.decode()
    assert "BASIC Level D" in body


def test_the_console_home_leads_to_the_admins_entities_and_jobs_not_an_empty_panel(
    entity_a, entity_b, a_rows, console_admin, login_client
) -> None:
    from jobs.models import Job

    mine = Job.objects.create(entity=entity_a, kind="alignment.run", state="succeeded")
    theirs = Job.objects.create(entity=entity_b, kind="settlement.collect", state="failed")
    body = login_client(console_admin).get(reverse("admin:index")).content.decode()
    # Django's "Recent actions" panel said "None available" to anyone who had saved nothing.
    assert "None available" not in body
    assert reverse("admin:entities_entity_change", args=[entity_a.pk]) in body
    assert "2 participant-list rows active on" in body
    assert f'href="{reverse("jobs:detail", args=[mine.pk])}"' in body
    assert f"Alignment run (job {mine.pk})" in body
    assert reverse("jobs:detail", args=[theirs.pk]) not in body
    assert entity_b.legal_name not in body
    # Apps named in words: not "Cms lists" or "Gain share policys".
    assert "CMS lists" in body
    assert "Gain-sharing policies" in body
    assert "Cms lists" not in body
    assert "policys" not in body
    # As the notice to staff names it (Break-glass grants).
    assert "Break-glass grants" in body
    assert "Break glass grants" not in body


def test_console_lists_read_as_the_pages_do(entity_a, a_rows, console_admin, login_client) -> None:
    from jobs.models import Job
    from tests.page_scan import problems

    job = Job.objects.create(entity=entity_a, kind="alignment.run", state="succeeded")
    client = login_client(console_admin)
    # Dates as core.display.day writes them, not the English locale's "Jan. 1, 2025".
    years = client.get(reverse("admin:entities_performanceyear_changelist")).content.decode()
    assert "2025-01-01" in years
    assert "Jan. 1" not in years
    # Jobs by their title (Alignment run), never their kind's code name (alignment.run #1).
    for url in (
        reverse("admin:jobs_job_changelist"),
        reverse("admin:jobs_job_change", args=[job.pk]),
    ):
        html = client.get(url).content.decode()
        assert "Alignment run" in html, url
        assert problems(html) == [], url
    listing = client.get(reverse("admin:jobs_job_changelist")).content.decode()
    assert ">alignment.run<" not in listing
    # The participant list says which lead-specialist attribution its figures come from.
    page = client.get(
        reverse("admin:entities_participation_changelist"), {"entity__id__exact": entity_a.pk}
    ).content.decode()
    assert 'id="specialist-figures-source"' in page
    assert f"{entity_a.cms_id} none run yet" in page
    # Program parameters by name in words, the key kept for search.
    params = client.get(
        reverse("admin:entities_programparameter_changelist"), {"q": "max_sharing_rate"}
    ).content.decode()
    assert ">Max sharing rate<" in params


def test_gain_sharing_terms_read_as_percents_and_money(
    entity_a, console_admin, login_client
) -> None:
    from decimal import Decimal

    from specialists.models import GainShareArrangement, GainSharePolicy
    from tests.page_scan import problems

    GainSharePolicy.objects.create(entity=entity_a, pool_share=Decimal("0.2500"))
    GainShareArrangement.objects.create(
        entity=entity_a, episode_type="heart_failure", rate=Decimal("0.5000"),
        floor=Decimal("-5000.00"), cap=Decimal("25000.00"), max_readmission_rate=Decimal("0.2500"),
    )  # fmt: skip
    client = login_client(console_admin)
    page = client.get(reverse("admin:specialists_gainsharearrangement_changelist")).content.decode()
    assert problems(page) == []
    assert "−$5,000.00" in page
    assert "$25,000.00" in page
    assert "Heart failure" in page
    policy = client.get(reverse("admin:specialists_gainsharepolicy_changelist")).content.decode()
    assert "25%" in policy
    assert "0.2500" not in policy


def test_staff_see_who_set_up_a_second_factor_never_its_secret(admin_client, aco_admin) -> None:
    from allauth.mfa.models import Authenticator

    totp = Authenticator.objects.create(
        user=aco_admin, type=Authenticator.Type.TOTP, data={"secret": "JBSWY3DPEHPK3PXP"}
    )
    page = admin_client.get(reverse("admin:mfa_authenticator_change", args=[totp.pk]))
    assert page.status_code == 200
    body = page.content.decode()
    assert str(aco_admin) in body
    assert "JBSWY3DPEHPK3PXP" not in body
    listing = admin_client.get(reverse("admin:mfa_authenticator_changelist")).content.decode()
    assert str(aco_admin) in listing
    assert (
        admin_client.post(
            reverse("admin:mfa_authenticator_change", args=[totp.pk]), {"data": "{}"}
        ).status_code
        == 403
    )


def test_count_columns_of_console_lists_read_with_separators() -> None:
    from types import SimpleNamespace

    from cmslists.admin import CmsListAdmin
    from entities.admin.base import count_column

    assert (
        count_column("assigned_count", "assigned")(SimpleNamespace(assigned_count=1220)) == "1,220"
    )
    assert "assigned_count" not in CmsListAdmin.list_display


def test_an_error_in_a_folded_participant_row_shows_at_the_top_by_record_and_field(
    entity_a, a_rows, console_admin, login_client
) -> None:
    client = login_client(console_admin)
    url = reverse("admin:entities_entity_change", args=[entity_a.pk])
    formset = client.get(url).context["inline_admin_formsets"][1].formset
    data = {
        "legal_name": entity_a.legal_name, "tin": "", "agreement_start": "",
        "assignment_method": "prospective", "msr_mlr_choice": "",
        "years-TOTAL_FORMS": "0", "years-INITIAL_FORMS": "0",
        f"{formset.prefix}-TOTAL_FORMS": "2", f"{formset.prefix}-INITIAL_FORMS": "2",
    }  # fmt: skip
    for i, row in enumerate(formset.queryset):
        data |= {
            f"{formset.prefix}-{i}-id": row.pk, f"{formset.prefix}-{i}-entity": entity_a.pk,
            f"{formset.prefix}-{i}-role": row.role, f"{formset.prefix}-{i}-start_date": "2025-01-01",
            f"{formset.prefix}-{i}-end_date": "",
        }  # fmt: skip
    # An existing row ended before it starts.
    data[f"{formset.prefix}-0-end_date"] = "2024-06-30"
    response = client.post(url, data)
    assert response.status_code == 200
    body = response.content.decode()
    summary = body.index('id="entity-errors"')
    # At the top: before the entity's summary and fields, far above the folded rows.
    assert summary < body.index('id="entity-summary-h"')
    listed = body[summary : body.index("</div>", summary)]
    assert "Nothing was saved" in listed
    # One summary: Django's own "Please correct the errors below" no longer follows it.
    assert "Please correct the error" not in body
    assert body.count('class="errornote') == 1
    assert "<title>Error: " in body
    # The record (its TIN and NPI) and the field, linked to the field.
    row = formset.queryset[0]
    assert f"Participation {row}, Effective end</a>" in listed
    assert "is before the effective start 2025-01-01" in listed
    assert f'href="#id_{formset.prefix}-0-end_date"' in listed
    # The rows' fold is open on an error (Django draws no fold then).
    fold = body.index(f'id="{formset.prefix}-group"')
    assert "<details" not in body[fold : body.index("</fieldset>", fold)]


def test_registering_a_partner_client_starts_on_the_admins_only_entity(
    entity_a, a_rows, console_admin, login_client
) -> None:
    page = login_client(console_admin).get(reverse("admin:partners_partnerclient_add"))
    assert page.status_code == 200
    assert page.context["adminform"].form.initial["entity"] == entity_a.pk
    assert f'<option value="{entity_a.pk}" selected>' in page.content.decode()


def test_every_console_list_an_entity_admin_opens_reads_right(
    entity_a, a_rows, console_admin, login_client
) -> None:
    """The checks of the every-page test (tests/page_scan.py) on each list of the console the
    entity admin may open, and on the first row of each."""
    import re

    from django.contrib import admin

    from jobs.models import Job
    from tests.page_scan import problems

    Job.objects.create(entity=entity_a, kind="alignment.run", state="failed", error="Boom.")
    client = login_client(console_admin)
    found, opened = {}, 0
    for model in admin.site._registry:
        url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
        page = client.get(url)
        if page.status_code != 200:
            continue
        opened += 1
        html = page.content.decode()
        found[url] = problems(html)
        first = re.search(r'<th class="field-[^"]*"><a href="([^"]+)"', html)
        if first:
            row = client.get(first.group(1).replace("&amp;", "&"))
            assert row.status_code == 200, first.group(1)
            found[first.group(1)] = problems(row.content.decode())
    assert opened >= 20
    assert {url: p for url, p in found.items() if p} == {}
