"""IMP-1: customers from xlsx and CSV (UTF-8, UTF-8 with BOM, GB18030/GBK); a dry run
lists every bad row with row, column and a Chinese message; commit is all or nothing;
a second import of the same file updates, never duplicates."""

import csv
import io
import threading
from pathlib import Path
from unittest import mock

import pytest
from django.db import connection
from django.utils import timezone
from openpyxl import Workbook

from zhike.archive.import_template import template_xlsx
from zhike.archive.imports import import_customers
from zhike.archive.models import Customer
from zhike.audit.models import Event
from zhike.spreadsheets import ImportFileError, detect_encoding

from .base import RealTransactionTestCase
from .conftest import Company

HEADER = ["客户名称", "客户类型", "状态", "电话", "统一社会信用代码", "省", "市", "详细地址"]
GOOD = [
    [
        "石家庄恒信机械有限公司",
        "企业客户",
        "意向客户",
        "0311-85551234",
        "",
        "河北省",
        "石家庄市",
        "中山路 1 号",
    ],
    ["曾小贤", "个人客户", "潜在客户", "13912345678", "", "上海市", "上海市", ""],
    [
        "重庆长江实业有限公司",
        "enterprise",
        "deal",
        "023-63001234",
        "",
        "重庆市",
        "重庆市",
        "解放碑 8 号",
    ],
]


def write_csv(path: Path, rows: list[list[str]], encoding: str) -> Path:
    with path.open("w", encoding=encoding, newline="") as handle:
        csv.writer(handle).writerows(rows)
    return path


def write_xlsx(path: Path, rows: list[list[str]]) -> Path:
    workbook = Workbook()
    for row in rows:
        workbook.active.append(row)
    workbook.save(path)
    return path


def run(company: Company, path: Path, policy, *, commit: bool, who: str = "alice"):  # type: ignore[no-untyped-def]
    return import_customers(
        by=company.users[who],
        path=path,
        filename=path.name,
        policy=policy,
        now=timezone.now(),
        commit=commit,
    )


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030", "gbk"])
def test_imp_1_csv_in_every_chinese_encoding(
    company: Company, general_policy, tmp_path: Path, encoding: str
) -> None:
    path = write_csv(tmp_path / "客户.csv", [HEADER, *GOOD], encoding)
    report = run(company, path, general_policy, commit=True)
    assert report.committed and report.error_count == 0 and report.created == 3
    names = set(Customer.objects.filter(code__startswith="KH").values_list("name", flat=True))
    assert names == {r[0] for r in GOOD}


def test_imp_1_gbk_csv_written_by_libreoffice(company: Company, general_policy) -> None:
    """A CSV as a spreadsheet program writes it (tests/data/README.md): GBK, quoted."""
    path = Path(__file__).parent / "data" / "customers_libreoffice_gbk.csv"
    assert detect_encoding(path) == "gb18030"
    report = run(company, path, general_policy, commit=True)
    assert report.committed and report.error_count == 0 and report.created == 3
    imported = {c.name: c for c in Customer.objects.filter(code__startswith="KH")}
    assert set(imported) == {"河北纪元光电有限公司", "单晓明", "重庆曾氏粮油批发部"}
    jiyuan = imported["河北纪元光电有限公司"]
    assert (jiyuan.status, jiyuan.size, jiyuan.city) == ("intent", "medium", "石家庄市")
    # Search keys from the imported names, polyphonic surnames included (单 shan, 曾 zeng).
    assert "shanxiaoming" in imported["单晓明"].search_text
    assert "chongqing" in imported["重庆曾氏粮油批发部"].search_text


def test_imp_1_encoding_detection_is_strict_utf8_then_gb18030(tmp_path: Path) -> None:
    short = tmp_path / "a.csv"
    short.write_bytes("客户名称\n纪元\n".encode("gbk"))  # short GBK text fools guessers
    assert detect_encoding(short) == "gb18030"
    short.write_bytes("客户名称\n纪元\n".encode())
    assert detect_encoding(short) == "utf-8"
    short.write_bytes(b"\xef\xbb\xbf" + "客户名称\n".encode())
    assert detect_encoding(short) == "utf-8-sig"


def test_imp_1_xlsx_dry_run_writes_nothing_then_commit(
    company: Company, general_policy, tmp_path: Path
) -> None:
    path = write_xlsx(tmp_path / "客户.xlsx", [HEADER, *GOOD])
    before = Customer.objects.count()
    dry = run(company, path, general_policy, commit=False)
    assert (dry.rows, dry.created, dry.error_count, dry.committed) == (3, 3, 0, False)
    assert Customer.objects.count() == before
    done = run(company, path, general_policy, commit=True)
    assert done.created == 3 and Customer.objects.count() == before + 3
    assert Event.objects.filter(action="customer.imported").count() == 3
    customer = Customer.objects.get(name="曾小贤")
    assert customer.customer_type == "individual" and customer.phone == "13912345678"


def test_imp_1_second_import_updates_never_duplicates(
    company: Company, general_policy, tmp_path: Path
) -> None:
    path = write_csv(tmp_path / "c.csv", [HEADER, *GOOD], "gb18030")
    run(company, path, general_policy, commit=True)
    count = Customer.objects.count()
    again = run(company, path, general_policy, commit=True)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 3)
    changed = [row[:] for row in GOOD]
    changed[0][2] = "成交客户"
    write_csv(path, [HEADER, *changed], "gb18030")
    third = run(company, path, general_policy, commit=True)
    assert (third.created, third.updated, third.unchanged) == (0, 1, 2)
    assert Customer.objects.count() == count
    assert Customer.objects.get(name="石家庄恒信机械有限公司").status == "deal"


def test_imp_1_every_bad_row_named_with_row_column_and_reason(
    company: Company, general_policy, tmp_path: Path
) -> None:
    rows = [
        HEADER,
        GOOD[0],
        ["", "企业客户", "", "", "", "", "", ""],  # row 3: no name
        ["甲公司", "外星客户", "", "", "", "", "", ""],  # row 4: bad type
        ["乙公司", "企业客户", "", "12345", "", "", "", ""],  # row 5: bad phone
        ["丙公司", "企业客户", "", "", "91110000600037341X", "", "", ""],  # row 6: bad USCC
        ["丁公司", "企业客户", "成交客户", "13900000000", "", "", "", ""],  # row 7: no address
        GOOD[1],
    ]
    path = write_csv(tmp_path / "bad.csv", rows, "utf-8")
    before = Customer.objects.count()
    report = run(company, path, general_policy, commit=True)
    assert not report.committed and Customer.objects.count() == before  # all or nothing
    found = {(e.row, e.column) for e in report.errors}
    assert found == {
        (3, "客户名称"),
        (4, "客户类型"),
        (5, "电话"),
        (6, "统一社会信用代码"),
        (7, "详细地址"),
    }
    messages = {e.row: e.message for e in report.errors}
    assert "电话号码" in messages[5] and "校验位" in messages[6]


def test_imp_1_interrupted_import_leaves_nothing_half_visible(
    company: Company, general_policy, tmp_path: Path, monkeypatch
) -> None:
    from zhike.archive import imports

    monkeypatch.setattr(imports, "BATCH", 2)
    calls = {"n": 0}
    real = imports._write_batch

    def fail_on_second(*args, **kwargs):  # type: ignore[no-untyped-def]
        calls["n"] += 1
        if calls["n"] == 2:
            raise RuntimeError("worker killed midway")
        return real(*args, **kwargs)

    monkeypatch.setattr(imports, "_write_batch", fail_on_second)
    path = write_csv(tmp_path / "c.csv", [HEADER, *GOOD], "utf-8")
    before = Customer.objects.count()
    with pytest.raises(RuntimeError):
        run(company, path, general_policy, commit=True)
    assert Customer.objects.count() == before
    assert not Event.objects.filter(action="customer.imported").exists()


def test_imp_1_malformed_files_are_refused_clearly(
    company: Company, general_policy, tmp_path: Path
) -> None:
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(b"PK\x03\x04 not really a workbook")
    with pytest.raises(ImportFileError, match="无法读取该 Excel 文件"):
        run(company, broken, general_policy, commit=False)
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    with pytest.raises(ImportFileError, match="文件是空的"):
        run(company, empty, general_policy, commit=False)
    no_name = write_csv(tmp_path / "x.csv", [["电话"], ["13912345678"]], "utf-8")
    with pytest.raises(ImportFileError, match="缺少“客户名称”列"):
        run(company, no_name, general_policy, commit=False)
    with pytest.raises(ImportFileError, match="只支持"):
        run(company, tmp_path / "x.txt", general_policy, commit=False)


def test_imp_1_customer_of_someone_else_is_not_overwritten(
    company: Company, general_policy, tmp_path: Path
) -> None:
    bobs = company.customers["B"]
    path = write_csv(tmp_path / "c.csv", [["客户名称", "电话"], [bobs.name, bobs.phone]], "utf-8")
    report = run(company, path, general_policy, commit=True)
    assert not report.committed
    assert "无权修改" in report.errors[0].message and bobs.name not in report.errors[0].message


def test_imp_1_duplicate_rows_within_a_file(
    company: Company, general_policy, tmp_path: Path
) -> None:
    code = "91110000600037341L"
    path = write_csv(
        tmp_path / "c.csv", [["客户名称", "统一社会信用代码"], ["甲", code], ["乙", code]], "utf-8"
    )
    report = run(company, path, general_policy, commit=False)
    assert [(e.row, e.message) for e in report.errors] == [(3, "与第 2 行重复")]


def test_imp_1_same_name_and_phone_twice_in_a_file_is_a_duplicate_row(
    company: Company, general_policy, tmp_path: Path, monkeypatch
) -> None:
    """Rows without a code are matched by name and phone: a second such row would update
    the customer the first one creates (or, in the same batch, create it twice)."""
    from zhike.archive import imports

    monkeypatch.setattr(imports, "BATCH", 2)  # the repeat lands in another batch
    rows = [
        ["客户名称", "电话"],
        ["甲公司", "13912345678"],
        ["乙公司", ""],
        ["甲公司", "13912345678"],
    ]
    path = write_csv(tmp_path / "c.csv", rows, "utf-8")
    report = run(company, path, general_policy, commit=True)
    assert [(e.row, e.column, e.message) for e in report.errors] == [
        (4, "客户名称", "与第 2 行重复")
    ]
    assert not report.committed and not Customer.objects.filter(name="甲公司").exists()
    rows[3][1] = "13912345679"  # another phone: another customer
    report = run(company, write_csv(path, rows, "utf-8"), general_policy, commit=True)
    assert report.committed and report.created == 3


def test_imp_1_errors_are_listed_in_row_order_in_the_callers_language(
    company: Company, general_policy, tmp_path: Path, monkeypatch
) -> None:
    """The file is read and checked a batch ahead, in a thread: its messages still come
    in the language of the request and in row order, whichever check found them."""
    from django.utils import translation

    from zhike.archive import imports

    monkeypatch.setattr(imports, "BATCH", 3)
    bobs = company.customers["B"]
    rows = [
        ["客户名称", "电话", "状态"],
        ["甲", "", "no-such-status"],
        [bobs.name, bobs.phone, ""],  # found only by the lookup: someone else's
        ["", "", ""],
        ["丁", "123", ""],
    ]
    path = write_csv(tmp_path / "c.csv", rows, "utf-8")
    with translation.override("en"):
        report = run(company, path, general_policy, commit=False)
    assert [(e.row, e.column) for e in report.errors] == [(2, "状态"), (3, "客户名称"), (5, "电话")]
    assert report.errors[0].message == "Invalid choice"


def test_imp_1_a_file_that_breaks_midway_writes_nothing(
    company: Company, general_policy, tmp_path: Path, monkeypatch, settings
) -> None:
    """An error while reading a later batch (here: too many rows) reaches the caller
    through the read-ahead thread, and the batches already written are rolled back."""
    from zhike.archive import imports

    monkeypatch.setattr(imports, "BATCH", 2)
    settings.ZHIKE_IMPORT_MAX_ROWS = 4
    rows = [["客户名称"], *[[f"客户{i}"] for i in range(6)]]
    path = write_csv(tmp_path / "c.csv", rows, "utf-8")
    with pytest.raises(ImportFileError, match="一次最多导入 4 行"):
        run(company, path, general_policy, commit=True)
    assert not Customer.objects.filter(name__startswith="客户").exists()


@pytest.mark.django_db
def test_imp_1_lookups_by_long_lists_match_as_in() -> None:
    """The import matches 2,000 codes or names at a time with ``AnyOf``: the same rows as
    ``IN``, on both databases, whatever the values."""
    from django.db.models import F

    from zhike.db import AnyOf

    from .factories import CustomerFactory

    first, second = CustomerFactory.create_batch(2)

    def found(lookup: AnyOf) -> set[int]:
        return set(Customer.objects.filter(lookup).values_list("pk", flat=True))

    assert found(AnyOf(F("code"), [first.code, first.code, None, "无此编码"])) == {first.pk}
    assert found(AnyOf(F("pk"), [first.pk, second.pk])) == {first.pk, second.pk}
    assert found(AnyOf(F("pk"), [])) == set()
    assert found(AnyOf(F("created_at"), [second.created_at])) == {second.pk}  # prepared
    quoted = ["a'b", 'c"d', "e,f", "{g}", "", "h\\i"]
    assert found(AnyOf(F("name"), quoted)) == set()


def test_imp_1_template_has_the_chinese_headers() -> None:
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(template_xlsx())).active
    header = [c.value for c in sheet[1]]
    assert header[:3] == ["客户编码", "客户名称", "客户类型"]


def csv_upload(rows: list[list[str]], encoding: str = "gb18030"):  # type: ignore[no-untyped-def]
    from django.core.files.uploadedfile import SimpleUploadedFile

    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return SimpleUploadedFile("客户.csv", out.getvalue().encode(encoding), "text/csv")


def test_imp_1_web_upload_check_then_confirm(company: Company) -> None:
    client = company.client("alice")
    response = client.post("/customers/import/", {"file": csv_upload([HEADER, *GOOD])})
    job_url = response["Location"]
    page = client.get(job_url)
    assert "将新建" in page.text and "确认导入" in page.text
    assert not Customer.objects.filter(code__startswith="KH").exists()
    client.post(job_url)
    done = client.get(job_url)
    assert "导入完成" in done.text
    assert Customer.objects.filter(code__startswith="KH").count() == 3
    assert company.client("bob").get(job_url).status_code == 404  # someone else's job


def test_imp_1_web_report_lists_errors_and_offers_no_confirm(company: Company) -> None:
    client = company.client("alice")
    response = client.post(
        "/customers/import/",
        {
            "file": csv_upload(
                [HEADER, GOOD[0], ["乙公司", "企业客户", "", "12345", "", "", "", ""]]
            )
        },
    )
    page = client.get(response["Location"])
    assert "没有导入任何数据" in page.text and "确认导入" not in page.text
    assert "<td>3</td><td>电话</td>" in page.text
    client.post(response["Location"])  # a forged confirm does nothing
    assert not Customer.objects.filter(code__startswith="KH").exists()


def test_imp_1_large_file_runs_as_a_job_with_progress(
    company: Company, settings, django_capture_on_commit_callbacks
) -> None:
    from zhike.archive.models import ImportJob

    settings.ZHIKE_IMPORT_INLINE_BYTES = 10  # every file counts as large
    client = company.client("alice")
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = client.post("/customers/import/", {"file": csv_upload([HEADER, *GOOD])})
    job = ImportJob.objects.get()
    assert job.state == "checking" and len(callbacks) == 1
    polling = client.get(response["Location"], headers={"HX-Request": "true"}).text
    assert 'hx-trigger="every 1s"' in polling and "正在检查" in polling
    from zhike.archive.import_jobs import run_import_job
    from zhike.policy.loader import load_policy

    assert run_import_job(
        job_id=str(job.pk), commit=False, policy=load_policy("general"), now=timezone.now()
    )
    assert not run_import_job(
        job_id=str(job.pk), commit=False, policy=load_policy("general"), now=timezone.now()
    )  # once
    job.refresh_from_db()
    assert job.state == "checked" and job.rows_done == 3


class CommitProgressTests(RealTransactionTestCase):
    def test_imp_1_commit_shows_its_progress_while_it_runs(self) -> None:
        """A commit is one transaction: its progress must still be seen, batch by batch,
        from outside it (another connection, as the polling page has), out of the file's
        row count."""
        from zhike.archive import import_jobs as jobs
        from zhike.archive import imports
        from zhike.archive.models import ImportJob
        from zhike.policy.loader import load_policy

        from .conftest import build_company

        alice = build_company().users["alice"]
        rows = [HEADER, *GOOD, ["第四家公司", *[""] * 7], ["第五家公司", *[""] * 7]]
        job = jobs.import_upload(by=alice, filename="c.csv", chunks=[csv_upload(rows).read()])
        policy, now = load_policy("general"), timezone.now()
        jobs.run_import_job(job_id=str(job.pk), commit=False, policy=policy, now=now)
        jobs.import_confirm(by=alice, job_id=str(job.pk))
        job.refresh_from_db()
        assert jobs.import_progress(job) == jobs.Progress(0, 5)

        seen: list[jobs.Progress] = []
        real = imports._write_batch

        def look() -> None:
            seen.append(jobs.import_progress(ImportJob.objects.get(pk=job.pk)))
            connection.close()

        def write_and_look(*args, **kwargs):  # type: ignore[no-untyped-def]
            watcher = threading.Thread(target=look)
            watcher.start()
            watcher.join()
            return real(*args, **kwargs)

        with (
            mock.patch.object(imports, "BATCH", 2),
            mock.patch.object(imports, "_write_batch", write_and_look),
        ):
            assert jobs.run_import_job(job_id=str(job.pk), commit=True, policy=policy, now=now)
        assert seen == [jobs.Progress(0, 5), jobs.Progress(2, 5), jobs.Progress(4, 5)]
        job.refresh_from_db()
        assert job.state == "done" and jobs.import_progress(job) == jobs.Progress(5, None)


def test_imp_1_template_download(company: Company) -> None:
    response = company.client("alice").get("/customers/import/template.xlsx")
    assert response.status_code == 200
    assert "%E5%AE%A2%E6%88%B7" in response["Content-Disposition"]  # 客户…xlsx


def test_imp_1_roles_without_add_right_cannot_import(company: Company) -> None:
    assert company.client("fin").get("/customers/import/").status_code == 404


def test_imp_1_api_upload_poll_confirm(
    company: Company, general_policy, django_capture_on_commit_callbacks
) -> None:
    from zhike.archive.import_jobs import run_import_job

    api = company.api("alice")
    with django_capture_on_commit_callbacks(execute=False):
        created = api.post("/api/v1/customers/imports", {"file": csv_upload([HEADER, *GOOD])})
    assert created.status_code == 201
    job_id = created.json()["id"]
    run_import_job(job_id=job_id, commit=False, policy=general_policy, now=timezone.now())
    checked = api.get(f"/api/v1/customers/imports/{job_id}").json()
    assert checked["state"] == "checked" and checked["report"]["created"] == 3
    with django_capture_on_commit_callbacks(execute=False):
        confirmed = api.post(f"/api/v1/customers/imports/{job_id}/confirm")
    assert confirmed.json()["state"] == "importing"
    run_import_job(job_id=job_id, commit=True, policy=general_policy, now=timezone.now())
    assert api.get(f"/api/v1/customers/imports/{job_id}").json()["state"] == "done"
    assert company.api("bob").get(f"/api/v1/customers/imports/{job_id}").status_code == 404
    again = api.post(f"/api/v1/customers/imports/{job_id}/confirm")
    assert again.status_code == 400 and "无法确认" in again.json()["message"]


@pytest.mark.django_db(transaction=True)
def test_imp_1_bulk_load_tunes_the_search_indexes_for_its_transaction_only() -> None:
    """On PostgreSQL an import collects search-index keys in a larger pending list, merged
    at its end; the setting is the import transaction's own."""
    from django.db import connection, transaction

    from zhike.db import BULK_GIN_MEMORY, bulk_load

    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL's GIN pending list")

    def pending_limit() -> str:
        with connection.cursor() as cursor:
            cursor.execute("SELECT current_setting('gin_pending_list_limit')")
            return cursor.fetchone()[0]

    before = pending_limit()
    with transaction.atomic():
        with bulk_load(Customer):
            assert pending_limit() == BULK_GIN_MEMORY != before
        assert pending_limit() == before
    assert pending_limit() == before
    with pytest.raises(RuntimeError, match="inside a transaction"), bulk_load(Customer):
        pass


def test_imp_1_reading_ahead_stays_one_batch_ahead_and_stops_with_the_import() -> None:
    """Memory stays bounded: the thread makes at most one item ahead of the import, and
    nothing more once the import stops (as on an error)."""
    from contextlib import closing
    from itertools import count

    from zhike.streams import read_ahead

    made: list[int] = []

    def batches():  # type: ignore[no-untyped-def]
        for number in count():
            made.append(number)
            yield number

    with closing(read_ahead(batches())) as items:
        assert [next(items), next(items)] == [0, 1]
    assert made == [0, 1, 2]


def test_imp_1_reimport_that_changes_a_customer_bumps_its_version(
    company: Company, general_policy, tmp_path: Path
) -> None:
    """An import's update counts as an edit: a form opened before it must not overwrite it
    (the version it was opened at no longer matches); an unchanged row is not an edit."""
    path = write_csv(tmp_path / "c.csv", [HEADER, *GOOD], "utf-8")
    run(company, path, general_policy, commit=True)
    versions = dict(Customer.objects.filter(code__startswith="KH").values_list("name", "version"))
    changed = [row[:] for row in GOOD]
    changed[1][2] = "意向客户"
    run(company, write_csv(path, [HEADER, *changed], "utf-8"), general_policy, commit=True)
    after = dict(Customer.objects.filter(code__startswith="KH").values_list("name", "version"))
    assert after == {**versions, "曾小贤": versions["曾小贤"] + 1}


def test_imp_1_reimporting_an_export_changes_nothing_even_formula_like_names(
    company: Company, general_policy, tmp_path: Path
) -> None:
    """Issue 13 item 28: the export's apostrophe came back with the import and renamed
    every such customer."""
    from .factories import CustomerFactory

    CustomerFactory(name="=宏达科技", owner=company.users["alice"])
    CustomerFactory(name="-东方实业", owner=company.users["alice"])
    exported = company.client("alice").get("/customers/export/")
    path = tmp_path / "export.xlsx"
    path.write_bytes(b"".join(exported.streaming_content))
    names = set(Customer.objects.values_list("name", flat=True))
    report = run(company, path, general_policy, commit=True)
    assert report.error_count == 0, report.errors
    assert report.created == 0 and report.updated == 0
    assert set(Customer.objects.values_list("name", flat=True)) == names


def test_imp_1_an_older_exports_formula_guard_is_stripped(tmp_path: Path) -> None:
    from zhike.spreadsheets import read_rows

    path = write_csv(tmp_path / "g.csv", [["客户名称"], ["'=宏达科技"], ["'普通'"]], "utf-8")
    _layout, rows = read_rows(path, path.name, columns={"客户名称": "name"}, required=("name",))
    assert [r.data["name"] for r in rows] == ["=宏达科技", "'普通'"]


@pytest.mark.parametrize(
    "content", [bytes(range(256)) * 64, b"\x00\x01\x02PK\x03\x04" * 1000, b"\x81\x30" * 10]
)
def test_imp_1_a_binary_file_named_csv_is_refused_with_a_message(
    company: Company, general_policy, tmp_path: Path, content: bytes
) -> None:
    """Issue 13 item 14: UnicodeDecodeError escaped and left the job "checking"."""
    path = tmp_path / "binary.csv"
    path.write_bytes(content)
    with pytest.raises(ImportFileError, match=r"无法识别该文件的内容|缺少“客户名称”列"):
        run(company, path, general_policy, commit=False)


def test_imp_1_the_preview_says_what_the_commit_will_do(
    company: Company, general_policy, tmp_path: Path
) -> None:
    """Issue 13 item 15: an identical re-import previewed "updated", then committed
    "unchanged"."""
    path = write_csv(tmp_path / "c.csv", [HEADER, *GOOD], "utf-8")
    run(company, path, general_policy, commit=True)
    changed = [row[:] for row in GOOD]
    changed[1][2] = "意向客户"
    path = write_csv(tmp_path / "c2.csv", [HEADER, *changed], "utf-8")
    preview = run(company, path, general_policy, commit=False)
    done = run(company, path, general_policy, commit=True)
    counts = (preview.created, preview.updated, preview.unchanged)
    assert counts == (done.created, done.updated, done.unchanged) == (0, 1, len(GOOD) - 1)
