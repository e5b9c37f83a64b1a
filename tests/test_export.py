"""IMP-2: customer lists to xlsx — scoped, filtered, masked, formula-safe; large ones as
a job whose file only its requester can fetch; every export logged (SEC-4)."""

import io

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from zhike.archive.export_jobs import run_export
from zhike.archive.exporting import as_text
from zhike.archive.models import Export
from zhike.audit.models import Event
from zhike.workflow.models import Notice

from .conftest import Company
from .factories import CustomerFactory


def sheet_rows(content: bytes) -> list[tuple]:
    workbook = load_workbook(io.BytesIO(content), read_only=True)
    return list(workbook.active.iter_rows(values_only=True))


def download(response) -> bytes:  # type: ignore[no-untyped-def]
    return b"".join(response.streaming_content)


@pytest.mark.parametrize(
    "value", ['=HYPERLINK("http://x")', "+1+1", "-2", "@SUM(A1)", "\tx", "\rx"]
)
def test_imp_2_formula_like_text_is_written_as_a_text_cell(value: str) -> None:
    from openpyxl import Workbook

    sheet = Workbook(write_only=True).create_sheet()
    cell = as_text(sheet, value)
    assert (cell.value, cell.data_type) == (value, "s")  # no apostrophe, never a formula
    assert as_text(sheet, "河北纪元") == "河北纪元" and as_text(sheet, 3) == 3


def test_imp_2_export_is_the_users_scope_and_filters(company: Company) -> None:
    response = company.client("mgr").get("/customers/export/", {"q": "贝塔"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    rows = sheet_rows(download(response))
    assert rows[0][:2] == ("客户编码", "客户名称")
    assert [r[1] for r in rows[1:]] == ["乙方贝塔商贸"]
    everything = sheet_rows(download(company.client("alice").get("/customers/export/")))
    assert [r[1] for r in everything[1:]] == ["甲方阿尔法科技"]  # alice sees only her own


def test_imp_2_export_masks_phones_and_keeps_formula_like_names_as_text(
    company: Company,
) -> None:
    from openpyxl import load_workbook

    CustomerFactory(name="=cmd|' /C calc'!A0", owner=company.users["bob"])
    content = download(company.client("cs").get("/customers/export/"))
    rows = sheet_rows(content)
    names = {r[1] for r in rows[1:]}
    assert "=cmd|' /C calc'!A0" in names  # as typed: no apostrophe for Excel to show
    sheet = load_workbook(io.BytesIO(content)).active
    assert {c.data_type for c in sheet["B"][1:]} == {"s"}  # text cells, never formulas
    phones = {r[4] for r in rows[1:]}
    assert all("****" in p for p in phones)


def test_sec_4_every_export_is_logged(company: Company) -> None:
    company.client("alice").get("/customers/export/", {"status": "potential"})
    event = Event.objects.get(action="customer.exported")
    assert event.actor == company.users["alice"]
    assert event.details == {"q": "", "status": "potential", "rows": 1}


def test_imp_2_large_export_runs_as_a_job_for_its_requester_only(
    company: Company, settings, django_capture_on_commit_callbacks
) -> None:
    settings.ZHIKE_EXPORT_SYNC_LIMIT = 2
    with django_capture_on_commit_callbacks(execute=False):
        response = company.client("gm").get("/customers/export/")
    assert response.status_code == 302
    export = Export.objects.get()
    assert run_export(export_id=str(export.pk), now=timezone.now()) is True
    assert run_export(export_id=str(export.pk), now=timezone.now()) is False  # claimed once
    export.refresh_from_db()
    assert export.state == Export.State.DONE and export.rows == 4
    notice = Notice.objects.get(recipient=company.users["gm"], kind="archive.export_ready")
    assert notice.link == f"/exports/{export.pk}/"
    assert len(sheet_rows(download(company.client("gm").get(notice.link)))) == 5
    assert company.client("vp").get(notice.link).status_code == 404


def test_imp_2_api_export_job(company: Company, django_capture_on_commit_callbacks) -> None:
    api = company.api("mgr")
    with django_capture_on_commit_callbacks(execute=False):
        response = api.post("/api/v1/customers/exports?q=贝塔")
    assert response.status_code == 202
    export_id = response.json()["id"]
    assert response.json()["download"] is None
    run_export(export_id=export_id, now=timezone.now())
    done = api.get(f"/api/v1/customers/exports/{export_id}").json()
    assert done["state"] == "done" and done["rows"] == 1
    assert company.api("gm").get(f"/api/v1/customers/exports/{export_id}").status_code == 404
    # Issue 13 item 27: the link works with the token alone (it sent clients to /login/).
    file = api.get(done["download"])
    assert file.status_code == 200
    assert file["Content-Type"].startswith("application/vnd.openxmlformats")
    assert b"".join(file.streaming_content)[:2] == b"PK"  # an xlsx is a zip
    assert company.api("gm").get(done["download"]).status_code == 404
