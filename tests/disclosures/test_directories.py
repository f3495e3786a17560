"""The inspection directories in the admin: listing, export, and the CSV/XLSX import with its
row-level errors, all-or-nothing saving, upsert by natural key and permissions."""

import csv
import html
import io
import json

import pytest
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation
from django.utils.text import capfirst
from django.utils.translation import gettext
from openpyxl import Workbook, load_workbook

from disclosures.choices import InstitutionType
from disclosures.models import InspectedInstitution, InspectionItem, Inspector
from disclosures.models.directories import CreditRating
from reports.audit import AuditEvent
from tests.factories import UserFactory

from .factories_directories import InspectedInstitutionFactory, InspectionItemFactory, InspectorFactory, credit_code

pytestmark = pytest.mark.django_db

INSTITUTION_COLUMNS = ["name", "credit_code", "institution_type", "region", "level", "credit_rating", "active"]
INSPECTOR_COLUMNS = ["name", "certificate_number", "unit", "region", "active"]
ITEM_COLUMNS = ["code", "name", "legal_basis", "method", "active"]


def zh(msgid, **values):
    """A UI string as the admin shows it (in Simplified Chinese)."""
    with translation.override("zh-hans"):
        text = gettext(msgid)
    return text % values if values else text


def headings(model, columns):
    """Column headings as the admin writes them: the fields' verbose names, in Chinese."""
    with translation.override("zh-hans"):
        return [capfirst(str(model._meta.get_field(name).verbose_name)) for name in columns]


def heading(model, name):
    return headings(model, [name])[0]


def label(choice):
    with translation.override("zh-hans"):
        return str(choice.label)


INSTITUTION_HEADINGS = headings(InspectedInstitution, INSTITUTION_COLUMNS)
INSPECTOR_HEADINGS = headings(Inspector, INSPECTOR_COLUMNS)
ITEM_HEADINGS = headings(InspectionItem, ITEM_COLUMNS)


def row_error(row, field, message):
    return zh("Row %(row)s, “%(field)s”: %(message)s", row=row, field=field, message=message)


def url(model, name="list"):
    return reverse(f"wagtailsnippets_disclosures_{model._meta.model_name}:{name}")


@pytest.fixture
def editor(client):
    client.force_login(UserFactory(superuser=True))
    return client


def csv_file(rows, name="directory.csv", bom=True):
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    return SimpleUploadedFile(name, (("\ufeff" if bom else "") + buffer.getvalue()).encode(), "text/csv")


def xlsx_file(rows, name="directory.xlsx"):
    workbook = Workbook()
    for row in rows:
        workbook.active.append(row)
    output = io.BytesIO()
    workbook.save(output)
    return SimpleUploadedFile(name, output.getvalue(), "application/octet-stream")


def upload(client, model, file):
    return client.post(url(model, "import"), {"file": file})


def import_errors(response):
    """The listed errors of an import page, as text."""
    page = response.content.decode()
    assert response.status_code == 200, page[:2000]
    start = page.index("directory-import-errors")
    block = page[start : page.index("</ul>", start)]
    return [item.split("</li>")[0].strip() for item in block.split("<li>")[1:]]


def unescape(text):
    return html.unescape(text)


def test_directories_are_in_the_admin_menu_and_the_listing_offers_import(editor):
    InspectedInstitutionFactory(name="临翔区人民医院")

    response = editor.get(url(InspectedInstitution))

    page = response.content.decode()
    assert response.status_code == 200
    assert "临翔区人民医院" in page
    assert url(InspectedInstitution, "import") in page
    # The sidebar menu is JSON in the page, with non-ASCII characters escaped.
    menu_label = json.dumps(zh("Inspection directories"))[1:-1]
    assert menu_label in editor.get(reverse("wagtailadmin_home")).content.decode()


def test_export_then_import_changes_nothing_and_an_edited_export_updates(editor):
    InspectedInstitutionFactory(name="临翔区人民医院", credit_rating="A", level="tertiary")
    InspectedInstitutionFactory(name="凤庆县大药房", institution_type="pharmacy", credit_rating="", active=False)

    exported = b"".join(editor.get(url(InspectedInstitution) + "?export=csv").streaming_content)

    assert exported.startswith("\ufeff".encode())  # Excel opens it as UTF-8
    rows = list(csv.reader(io.StringIO(exported.decode("utf-8-sig"))))
    assert rows[0] == INSTITUTION_HEADINGS
    pharmacy = next(row for row in rows if row[0] == "凤庆县大药房")
    assert pharmacy[2] == label(InstitutionType.PHARMACY)
    assert pharmacy[5] == label(CreditRating.UNRATED)
    assert pharmacy[6] == "否"

    response = upload(editor, InspectedInstitution, SimpleUploadedFile("export.csv", exported))

    assert response.status_code == 302
    assert InspectedInstitution.objects.count() == 2
    messages = [str(m) for m in response.wsgi_request._messages]
    finished = "Import finished: %(created)s added, %(updated)s updated, %(unchanged)s unchanged."
    assert messages == [zh(finished, created=0, updated=0, unchanged=2)]

    pharmacy[0] = "凤庆县中心大药房"
    response = upload(editor, InspectedInstitution, csv_file(rows))

    assert response.status_code == 302
    renamed = InspectedInstitution.objects.get(name="凤庆县中心大药房")
    assert (renamed.institution_type, renamed.credit_rating, renamed.active) == ("pharmacy", "", False)
    assert InspectedInstitution.objects.get(name="临翔区人民医院").credit_rating == "A"


def test_errors_name_row_and_column_and_nothing_is_saved(editor):
    good = credit_code(1)
    bad_check = credit_code(2)[:17] + ("0" if credit_code(2)[17] != "0" else "1")
    rows = [
        INSTITUTION_HEADINGS,
        ["临翔区人民医院", good, label(InstitutionType.HOSPITAL), "临翔区", "", "", ""],
        ["凤庆县人民医院", bad_check, "hospital", "凤庆县", "", "", ""],
        ["", credit_code(3), "hospital", "云县", "", "", "也许"],
        ["永德县药房", credit_code(4), "诊所", "永德县", "", "", ""],
    ]

    response = upload(editor, InspectedInstitution, csv_file(rows))

    errors = [unescape(error) for error in import_errors(response)]
    check_message = zh(
        "The last character of this unified social credit code does not match: check for a typing error."
    )
    assert row_error(3, heading(InspectedInstitution, "credit_code"), check_message) in errors
    assert row_error(4, heading(InspectedInstitution, "name"), zh("This field is required.")) in errors
    type_error = row_error(5, heading(InspectedInstitution, "institution_type"), "")
    assert any(error.startswith(type_error) and "诊所" in error for error in errors), errors
    assert (
        row_error(4, heading(InspectedInstitution, "active"), zh("“%(value)s” is neither yes nor no.", value="也许"))
        in errors
    )
    assert len(errors) == 4
    assert not InspectedInstitution.objects.exists()
    assert not AuditEvent.objects.filter(action="directory.import").exists()


def test_import_updates_by_key_adds_the_rest_and_is_audited(editor):
    kept = InspectorFactory(certificate_number="YB000001", name="张三", unit="临翔区医疗保障局", region="临翔区")
    untouched = InspectorFactory(certificate_number="YB000009", name="王五")
    rows = [
        ["name", "certificate_number", "unit", "region", "active"],
        ["张三", "yb000001", "凤庆县医疗保障局", "凤庆县", ""],
        ["李四", "YB000002", "云县医疗保障局", "云县", "否"],
    ]

    response = upload(editor, Inspector, csv_file(rows, bom=False))

    assert response.status_code == 302
    assert response["Location"] == url(Inspector)
    kept.refresh_from_db()
    assert (kept.unit, kept.region, kept.active) == ("凤庆县医疗保障局", "凤庆县", True)
    added = Inspector.objects.get(certificate_number="YB000002")
    assert (added.name, added.active) == ("李四", False)
    untouched.refresh_from_db()
    assert untouched.name == "王五"
    event = AuditEvent.objects.get(action="directory.import")
    assert event.details == {"model": "disclosures.Inspector", "created": 1, "updated": 1, "unchanged": 0}


def test_an_empty_active_cell_keeps_an_existing_entry_inactive(editor):
    InspectorFactory(certificate_number="YB000001", active=False)
    rows = [INSPECTOR_HEADINGS, ["张三", "YB000001", "临翔区医疗保障局", "临翔区", ""]]

    upload(editor, Inspector, csv_file(rows))

    assert Inspector.objects.get(certificate_number="YB000001").active is False


def test_xlsx_import_reads_numbers_and_yes_no_and_updates_by_code(editor):
    InspectionItemFactory(code="YB-002", name="药品进销存", active=True)
    rows = [
        ITEM_HEADINGS,
        [101, "医保基金使用情况", "《医疗保障基金使用监督管理条例》", "现场检查", "是"],
        ["YB-002", "药品进销存", None, None, False],
        [None, None, None, None, None],
        ["YB-003", "医疗服务价格", "", "", None],
    ]

    response = upload(editor, InspectionItem, xlsx_file(rows))

    assert response.status_code == 302, import_errors(response)
    assert InspectionItem.objects.get(code="YB-002").legal_basis == ""
    assert sorted(InspectionItem.objects.values_list("code", "active")) == [
        ("101", True),
        ("YB-002", False),
        ("YB-003", True),
    ]


def test_a_key_twice_in_the_file_names_both_rows(editor):
    rows = [
        ITEM_HEADINGS[:2],
        ["YB-001", "医保基金使用情况"],
        ["YB-002", "药品进销存"],
        ["YB-001", "医疗服务价格"],
    ]

    response = upload(editor, InspectionItem, csv_file(rows))

    errors = [unescape(error) for error in import_errors(response)]
    assert len(errors) == 1
    assert "2" in errors[0] and "4" in errors[0] and "YB-001" in errors[0]
    assert errors[0] == zh(
        "Rows %(first)s and %(second)s have the same “%(field)s” (%(value)s): each entry may appear once.",
        first=2,
        second=4,
        field=heading(InspectionItem, "code"),
        value="YB-001",
    )
    assert not InspectionItem.objects.exists()


def test_unknown_and_missing_columns_are_one_clear_error_each(editor):
    rows = [[*INSTITUTION_HEADINGS[:2], "电话"], ["临翔区人民医院", credit_code(1), "0883-1234567"]]

    response = upload(editor, InspectedInstitution, csv_file(rows))

    errors = [unescape(error) for error in import_errors(response)]
    assert len(errors) == 2
    assert "“电话”" in errors[0]
    assert f"“{heading(InspectedInstitution, 'institution_type')}”" in errors[1]
    assert f"“{heading(InspectedInstitution, 'region')}”" in errors[1]
    assert not InspectedInstitution.objects.exists()


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("photo.png", b"\x89PNG\r\n\x1a\n" + bytes(range(256))),
        ("directory.xlsx", b"this is not a workbook"),
        ("directory.csv", "名称,地区\n临翔区人民医院,临翔区\n".encode("gb18030")),
        ("directory.csv", b"\xef\xbb\xbf\r\n\r\n"),
    ],
)
def test_a_file_that_is_not_a_readable_spreadsheet_is_refused_with_a_message(editor, name, content):
    response = upload(editor, InspectedInstitution, SimpleUploadedFile(name, content))

    errors = import_errors(response)
    assert len(errors) == 1
    assert not InspectedInstitution.objects.exists()


def test_an_empty_upload_is_refused_by_the_form(editor):
    response = upload(editor, InspectedInstitution, SimpleUploadedFile("directory.csv", b""))

    assert response.status_code == 200
    assert zh("The submitted file is empty.") in unescape(response.content.decode())


def test_the_template_download_imports_as_an_empty_directory_heading(editor):
    response = editor.get(reverse("wagtailsnippets_disclosures_inspector:import_template", args=("xlsx",)))

    sheet = load_workbook(io.BytesIO(response.content)).active
    assert [cell.value for cell in sheet[1]] == INSPECTOR_HEADINGS
    csv_template = editor.get(reverse("wagtailsnippets_disclosures_inspector:import_template", args=("csv",)))
    assert next(csv.reader(io.StringIO(csv_template.content.decode("utf-8-sig")))) == INSPECTOR_HEADINGS


def test_import_page_explains_the_columns(editor):
    response = editor.get(url(InspectedInstitution, "import"))

    page = unescape(response.content.decode())
    assert response.status_code == 200
    for column in INSTITUTION_HEADINGS:
        assert column in page
    assert label(InstitutionType.PHARMACY) in page


def staff_with(*codenames):
    user = UserFactory(is_staff=True)
    user.user_permissions.set(
        Permission.objects.filter(codename="access_admin")
        | Permission.objects.filter(content_type__app_label="disclosures", codename__in=codenames)
    )
    return user


def test_who_may_not_add_and_change_cannot_import(client):
    client.force_login(staff_with("change_inspectedinstitution", "view_inspectedinstitution"))
    rows = [INSTITUTION_HEADINGS[:4], ["临翔区人民医院", credit_code(1), "hospital", "临翔区"]]

    listing = client.get(url(InspectedInstitution))
    page = client.get(url(InspectedInstitution, "import"))
    post = upload(client, InspectedInstitution, csv_file(rows))
    template = client.get(reverse("wagtailsnippets_disclosures_inspectedinstitution:import_template", args=("csv",)))

    assert listing.status_code == 200
    assert url(InspectedInstitution, "import") not in listing.content.decode()
    for response in (page, post, template):
        assert response.status_code == 302
        assert response["Location"] == reverse("wagtailadmin_home")
    assert not InspectedInstitution.objects.exists()


def test_who_may_add_and_change_can_import(client):
    client.force_login(staff_with("add_inspectedinstitution", "change_inspectedinstitution"))
    rows = [INSTITUTION_HEADINGS[:4], ["临翔区人民医院", credit_code(1), "hospital", "临翔区"]]

    assert url(InspectedInstitution, "import") in client.get(url(InspectedInstitution)).content.decode()
    response = upload(client, InspectedInstitution, csv_file(rows))

    assert response.status_code == 302
    assert InspectedInstitution.objects.get().name == "临翔区人民医院"
