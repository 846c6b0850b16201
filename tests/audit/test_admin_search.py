"""The admin console's beneficiary search is a POST: names never travel in a URL (browser
history, proxies, the web server's access log), and a `?q=` in an address is dropped unread."""

from __future__ import annotations

import pytest

from audit.models import AccessRecord
from tests.care.conftest import make_bene  # noqa: F401 (fixture)
from tests.login import verified_client

pytestmark = pytest.mark.django_db

LIST = "/admin/beneficiaries/beneficiary/"


def test_the_admin_beneficiary_search_is_posted_and_kept_out_of_urls(
    request, aco_admin, entity_a, entity_b
) -> None:
    new_bene = request.getfixturevalue("make_bene")  # the care tests' builder
    aco_admin.is_staff = True
    aco_admin.save(update_fields=["is_staff"])
    abbott = new_bene(entity_a, last_name="Abbottson")
    new_bene(entity_a, last_name="Bakerfield")
    new_bene(entity_b, last_name="Abbottson")  # another entity's namesake
    console = verified_client(aco_admin)

    page = console.get(LIST).content.decode()
    assert 'method="post" role="search"' in page
    assert 'name="q"' not in page

    # A search in the address is not run: back to the list without it.
    response = console.get(f"{LIST}?q=Bakerfield")
    assert response.status_code == 302
    assert response["Location"] == LIST
    page = console.get(LIST).content.decode()
    assert "never put in a page" in page

    response = console.post(LIST, {"phi_search": "Abbottson"})
    assert response.status_code == 302
    assert "Abbottson" not in response["Location"]
    assert response["Location"] == LIST
    before = AccessRecord.objects.count()
    shown = console.get(LIST)
    content = shown.content.decode()
    assert "Abbottson" in content
    assert "Bakerfield" not in content
    assert "1 result" in content
    # One row shown (the entity's own Abbottson), one access record naming it.
    assert [r.pk for r in shown.context["cl"].result_list] == [abbott.pk]
    record = AccessRecord.objects.order_by("-id").first()
    assert AccessRecord.objects.count() == before + 1
    assert record.beneficiary_ids == [abbott.pk]
    assert "Abbottson" not in record.route

    # Paging and filters keep the search; clearing it lists everyone again.
    assert "Bakerfield" not in console.get(f"{LIST}?o=1").content.decode()
    console.post(LIST, {"phi_search": "", "phi_search_clear": "1"})
    content = console.get(LIST).content.decode()
    assert "Abbottson" in content
    assert "Bakerfield" in content
