"""Hostile uploads on the public report channel (issue 10, "Uploads"), end to end through HTTP: a
zip bomb named photo.jpg, PNG decompression bombs, PDF/HTML polyglots, path tricks in file names,
and every size and count limit, Django's own included. Each is refused with a clear Chinese message
(a form error or a 400/413 page, never a 500) and leaves nothing behind: no report, no file, no
message, no report number used, nothing on disk.

Also here: evidence is sealed at rest and served by no public URL, and rich text that editors save
reaches public pages without script.

reports/evidence.py is tested byte by byte in test_evidence.py; these tests go through the views,
forms and upload handler as a browser (or a hand-made request) would."""

import io
import json
import re
import uuid
import zipfile
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile, TemporaryUploadedFile
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape
from PIL import ImageFile
from wagtail.test.utils.form_data import inline_formset, nested_form_data, rich_text, streamfield

from disclosures.models import CasePage, Measure, ViolationCategory
from home.models import StandardPage
from reports import evidence, intake
from reports.models import EvidenceFile, Report, ReportCounter, ReportMessage
from tests.conftest import ParsedPage
from tests.disclosures.factories import CaseIndexFactory
from tests.factories import UserFactory

from . import hostile_files as hostile
from .builders import make_submission, photo, simple_pdf
from .test_report_views import code_of, form_data

pytestmark = pytest.mark.django_db

NOT_SENT = "举报尚未提交，请修改下方标出的内容。"
UNSUPPORTED = "不支持此类文件。请上传照片（JPEG、PNG、HEIC）或 PDF 文档。"
DAMAGED = "无法读取此文件，文件可能已损坏或不完整。"
TOO_MANY_PIXELS = "图片尺寸过大（超过 50 百万像素），请上传较小的照片或截图。"
FILES_TOO_LARGE = "文件过大"


def zh(message: str, **params) -> str:
    """A catalogue message as the public site shows it (Chinese once translated), HTML-escaped."""
    with translation.override("zh-hans"):
        text = translation.gettext(message)
    return escape(text % params if params else text)


def too_many_files(limit: int) -> str:
    return f"文件过多：最多可上传 {limit} 个文件。"


@pytest.fixture
def disk(settings, tmp_path, monkeypatch):
    """Where a careless upload path would write, empty: media and Django's upload spill directory;
    and any temporary upload file at all fails loudly (evidence is held in memory only)."""
    root = tmp_path / "disk"
    media, spill = root / "media", root / "upload-spill"
    media.mkdir(parents=True)
    spill.mkdir()
    settings.MEDIA_ROOT = str(media)
    settings.FILE_UPLOAD_TEMP_DIR = str(spill)
    # Anything above this would be spilled to disk by Django's default handlers.
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 1024

    def spilled(*args, **kwargs):
        raise AssertionError("an upload was written to a temporary file on disk")

    monkeypatch.setattr(TemporaryUploadedFile, "__init__", spilled)
    return root


def files_under(root: Path) -> list[Path]:
    return sorted(path for path in root.rglob("*") if path.is_file())


def body_of(response) -> bytes:
    return b"".join(response) if response.streaming else response.content


@pytest.fixture
def nothing_stored(disk, demo, report_keys):
    """Call it after a refused request: no trace of the attempt anywhere."""
    reports_before = set(Report.objects.values_list("pk", flat=True))
    counters_before = list(ReportCounter.objects.values_list("year", "last"))
    messages_before = ReportMessage.objects.count()
    files_before = EvidenceFile.objects.count()
    disk_before = files_under(disk)

    def check():
        assert set(Report.objects.values_list("pk", flat=True)) == reports_before, "a report was stored"
        assert EvidenceFile.objects.count() == files_before, "an evidence file was stored"
        assert ReportMessage.objects.count() == messages_before, "a message was stored"
        assert list(ReportCounter.objects.values_list("year", "last")) == counters_before, "a number was used"
        assert files_under(disk) == disk_before, "something was written to disk"

    return check


def submit(client, *files: SimpleUploadedFile, **fields):
    return client.post(reverse("reports:submit"), {**form_data(**fields), "evidence": list(files)})


def refused_form(response, *messages: str) -> str:
    """The report form again, with the messages as errors: refused, clearly, in Chinese."""
    html = response.content.decode()
    assert response.status_code == 200, response.status_code
    assert 'action="/report/"' in html and NOT_SENT in html
    for message in messages:
        assert message in html
    return html


def error_page(response, status: int, *messages: str) -> str:
    """The channel's own error page (private, in Chinese), not Django's bare English one."""
    html = response.content.decode()
    assert response.status_code == status, response.status_code
    assert "Bad Request" not in html and "Request Entity" not in html
    assert '<html lang="zh-Hans"' in html
    assert "no-store" in response["Cache-Control"]
    assert "script-src 'self'" in response["Content-Security-Policy"]
    for message in messages:
        assert message in html
    return html


def raw_post(client, path: str, body: bytes, content_type: str | None = None, **extra):
    content_type = content_type or f"multipart/form-data; boundary={hostile.BOUNDARY}"
    return client.generic("POST", path, body, content_type=content_type, **extra)


# --- bombs -------------------------------------------------------------------------------------


def test_the_bombs_are_what_they_claim_to_be():
    with zipfile.ZipFile(io.BytesIO(hostile.zip_bomb())) as archive:
        (entry,) = archive.infolist()
        assert (entry.filename, entry.file_size) == ("photo.jpg", hostile.GIB)
        with archive.open(entry) as expanding:
            assert expanding.read(1 << 20) == bytes(1 << 20)
    assert len(hostile.zip_bomb()) < hostile.GIB / 1000
    assert len(hostile.png_pixel_bomb()) < 200_000
    assert hostile.png_pixel_bomb()[16:24] == (8_000).to_bytes(4, "big") * 2  # 64 megapixels declared


@pytest.mark.parametrize(
    ("upload", "message"),
    [
        pytest.param(lambda: hostile.zip_bomb(), UNSUPPORTED, id="zip-bomb"),
        pytest.param(lambda: hostile.jpeg_headed_zip_bomb(), DAMAGED, id="zip-bomb-behind-a-jpeg-signature"),
    ],
)
def test_a_zip_bomb_renamed_photo_jpg_is_refused_and_nothing_is_kept(client, nothing_stored, upload, message):
    bomb = SimpleUploadedFile("photo.jpg", upload(), content_type="image/jpeg")
    good = SimpleUploadedFile("收费单.jpg", photo(), content_type="image/jpeg")

    response = submit(client, good, bomb)

    # The refused file is named as the reporter knows it; the good one is not kept either.
    refused_form(response, f"photo.jpg：{message}")
    nothing_stored()


def test_a_png_decompression_bomb_is_refused_from_its_header(client, nothing_stored, monkeypatch):
    def decoded(*args, **kwargs):
        raise AssertionError("pixels were decoded")

    # A decoded pixel would turn the refusal into "damaged": the header alone must decide.
    monkeypatch.setattr(ImageFile.ImageFile, "load", decoded)
    bomb = SimpleUploadedFile("截图.png", hostile.png_pixel_bomb(), content_type="image/png")

    refused_form(submit(client, bomb), f"截图.png：{TOO_MANY_PIXELS}")
    nothing_stored()


def test_the_pixel_limit_is_the_setting(client, nothing_stored, settings):
    settings.PORTAL_EVIDENCE_MAX_PIXELS = 10_000
    small_but_over = SimpleUploadedFile("a.jpg", photo(size=(200, 100)), content_type="image/jpeg")

    refused_form(submit(client, small_but_over), "图片尺寸过大（超过 0.01 百万像素）")
    nothing_stored()


def test_a_png_whose_text_chunk_expands_to_a_gigabyte_is_refused(client, nothing_stored):
    bomb = SimpleUploadedFile("scan.png", hostile.png_text_bomb(), content_type="image/png")

    refused_form(submit(client, bomb), f"scan.png：{DAMAGED}")
    nothing_stored()


# --- polyglots -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "upload",
    [
        pytest.param(hostile.html_renamed_pdf, id="html-renamed-pdf"),
        pytest.param(hostile.html_first_polyglot, id="html-then-pdf"),
    ],
)
def test_html_sent_as_a_pdf_is_refused(client, nothing_stored, upload):
    file = SimpleUploadedFile("医院收费清单.pdf", upload(), content_type="application/pdf")

    refused_form(submit(client, file), f"医院收费清单.pdf：{UNSUPPORTED}")
    nothing_stored()


def test_a_pdf_with_script_in_its_page_is_refused(client, nothing_stored):
    polyglot = SimpleUploadedFile("清单.pdf", hostile.pdf_with_html_in_its_page(), content_type="application/pdf")

    refused_form(submit(client, polyglot), zh(evidence.MESSAGES["active_content"]))
    nothing_stored()


def test_a_pdf_that_is_also_an_html_page_is_stored_without_the_html(client, disk, demo, report_keys):
    polyglot = SimpleUploadedFile("清单.pdf", hostile.pdf_with_html_around_its_pages(), content_type="application/pdf")

    code = code_of(submit(client, polyglot))

    opened = intake.open_with_code(code)
    (view,) = opened.evidence
    _, stored = intake.evidence_content(opened, view.id)
    assert stored.startswith(b"%PDF-") and b"visible evidence text" in stored
    assert not re.search(rb"(?i)<(html|body|script)", stored)
    # And it is served as what it is, never as a page.
    response = client.post(reverse("reports:evidence"), {"code": code, "evidence": str(view.id)})
    assert response.content == stored
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Disposition"].startswith("attachment")


# --- names -------------------------------------------------------------------------------------

PATH_TRICKS = [
    # (Content-Disposition parameter as sent, the name staff see)
    (b'filename="../../x"', "x.jpg"),
    (b'filename="..\\\\..\\\\x.jpg"', "x.jpg"),
    (b'filename="/etc/cron.d/x.jpg"', "x.jpg"),
    (b'filename="C:\\Windows\\System32\\x.jpg"', "x.jpg"),
    (b'filename="x\x00.jpg.php"', "x.jpg.jpg"),
    (b"filename*=UTF-8''..%2F..%2F%E7%85%A7%E7%89%87.jpg", "照片.jpg"),
    (b'filename="&#46;&#46;&#47;&#46;&#46;&#47;x.jpg"', "x.jpg"),
    (b'filename="%2e%2e%2fx.jpg"', "%2e%2e%2fx.jpg"),
    ('filename="{}.jpg"'.format("举" * 300).encode(), "举" * 80 + ".jpg"),
]


def test_file_names_with_path_tricks_are_names_not_paths(client, disk, demo, report_keys):
    files = [(disposition, photo(), "image/jpeg") for disposition, _ in PATH_TRICKS]
    body = hostile.multipart(form_data(), files)
    escapes = [disk / "media/../../x", disk / "upload-spill/../../x", Path.cwd() / "../../x", Path("/etc/cron.d/x.jpg")]
    assert not any(path.exists() for path in escapes)

    response = raw_post(client, reverse("reports:submit"), body)

    opened = intake.open_with_code(code_of(response))
    assert [view.name for view in opened.evidence] == [shown for _, shown in PATH_TRICKS]
    assert not any(path.exists() for path in escapes)
    assert files_under(disk) == []
    # Stored by a random id; the name is sealed with the content, not a key or a path.
    rows = EvidenceFile.objects.filter(report=opened.report)
    assert all(isinstance(row.pk, uuid.UUID) for row in rows)
    for row in rows:
        assert b"x.jpg" not in bytes(row.meta) and "照片".encode() not in bytes(row.meta)


# --- limits ------------------------------------------------------------------------------------


def test_one_file_over_the_per_file_limit_is_refused_with_the_limit(client, nothing_stored, settings):
    settings.PORTAL_EVIDENCE_MAX_BYTES = 50_000
    big = SimpleUploadedFile("big.png", b"\x89PNG\r\n\x1a\n" + bytes(60_000), content_type="image/png")

    refused_form(submit(client, big), "文件超过 0.0477 MB，请上传较小的文件。")
    nothing_stored()


def test_files_together_over_the_total_are_refused_with_the_limit(client, nothing_stored, settings):
    settings.PORTAL_EVIDENCE_MAX_TOTAL_BYTES = 30_000
    files = [SimpleUploadedFile(f"{n}.jpg", hostile.noisy_photo(seed=n), content_type="image/jpeg") for n in (1, 2)]
    assert sum(file.size for file in files) > 30_000 and all(file.size < 30_000 for file in files)

    refused_form(submit(client, *files), "文件总大小超过 0.0286 MB，请减少文件数量或上传较小的文件。")
    nothing_stored()


def test_more_files_than_allowed_are_refused_on_the_status_page_too(client, disk, demo, report_keys, settings):
    # The files a report already has count: the limit is per report, not per visit.
    settings.PORTAL_EVIDENCE_MAX_FILES = 2
    code = intake.submit(make_submission(files=[evidence.sanitise(photo(), "first.jpg")])).code
    messages = ReportMessage.objects.count()

    two_more = [SimpleUploadedFile(f"{n}.jpg", photo(), content_type="image/jpeg") for n in "ab"]
    response = client.post(reverse("reports:reply"), {"code": code, "text": "补充", "evidence": two_more})

    assert response.status_code == 400 and too_many_files(2) in response.content.decode()
    assert ReportMessage.objects.count() == messages and EvidenceFile.objects.count() == 1
    assert files_under(disk) == []


def test_more_files_than_django_parses_get_a_chinese_page(client, nothing_stored, settings):
    # Choosing a whole folder of screenshots: past DATA_UPLOAD_MAX_NUMBER_FILES Django stops reading.
    settings.DATA_UPLOAD_MAX_NUMBER_FILES = 5
    settings.PORTAL_EVIDENCE_MAX_FILES = 3

    def six_files():
        return [SimpleUploadedFile(f"{n}.jpg", photo(), content_type="image/jpeg") for n in range(6)]

    response = submit(client, *six_files())

    error_page(response, 400, zh("The form could not be sent"), too_many_files(3))
    nothing_stored()
    # The same on the status page, where the reporter adds evidence.
    code = intake.submit(make_submission()).code
    messages = ReportMessage.objects.count()
    response = client.post(reverse("reports:reply"), {"code": code, "text": "补充", "evidence": six_files()})
    error_page(response, 400, too_many_files(3))
    assert ReportMessage.objects.count() == messages and EvidenceFile.objects.count() == 0


def test_text_over_djangos_memory_limit_gets_a_chinese_page(client, nothing_stored, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000
    too_long = "挂床住院" * 2_000  # 24 KB of UTF-8

    response = submit(client, SimpleUploadedFile("a.jpg", photo(), content_type="image/jpeg"), description=too_long)

    error_page(
        response,
        413,
        zh("The form could not be sent"),
        zh("The form is larger than this site accepts. Please shorten the text or send fewer files, then try again."),
    )
    nothing_stored()


DAMAGED_FORM = "The form arrived incomplete or damaged. Please go back and send it again."


def test_more_fields_than_django_parses_get_a_chinese_page(client, nothing_stored, settings):
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 20

    response = client.post(reverse("reports:submit"), {**form_data(), "categories": [str(n) for n in range(30)]})

    error_page(response, 400, zh(DAMAGED_FORM))
    nothing_stored()


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        pytest.param(b"--x\r\nnonsense", "multipart/form-data", id="no-boundary"),
        pytest.param(
            hostile.multipart({}, []).replace(b"--\r\n", b"")
            + b'--%s\r\nContent-Disposition: form-data; name="evidence"; filename="a.jpg"\r\n'
            b"Content-Transfer-Encoding: base64\r\n\r\n/9j/4A=\r\n--%s--\r\n"
            % (hostile.BOUNDARY.encode(), hostile.BOUNDARY.encode()),
            None,
            id="broken-base64",
        ),
        pytest.param(b"description=%E6%8C%82", "application/x-www-form-urlencoded; charset=gbk", id="not-utf-8"),
    ],
)
def test_a_malformed_body_gets_a_chinese_page(client, nothing_stored, body, content_type):
    response = raw_post(client, reverse("reports:submit"), body, content_type)

    error_page(response, 400, zh(DAMAGED_FORM))
    nothing_stored()


def test_a_huge_code_lookup_gets_a_chinese_page(client, demo, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000

    response = client.post(reverse("reports:status"), {"code": "A" * 20_000})

    error_page(response, 413, zh("The form could not be sent"))


def test_a_request_past_every_limit_is_refused_unread(client, nothing_stored, settings, monkeypatch):
    settings.PORTAL_EVIDENCE_MAX_TOTAL_BYTES = 1_000
    huge = SimpleUploadedFile("huge.jpg", b"\xff\xd8\xff" + bytes(3 * 1024 * 1024), content_type="image/jpeg")
    monkeypatch.setattr(evidence, "sanitise", lambda *args: pytest.fail("a file was read"))

    response = submit(client, huge)

    error_page(response, 413, FILES_TOO_LARGE, "文件总大小超过 0.000954 MB")
    nothing_stored()


def test_evidence_past_djangos_memory_limit_is_not_spilled_to_disk(client, disk, demo, report_keys):
    # FILE_UPLOAD_MAX_MEMORY_SIZE is 1 KB here, and the `disk` fixture fails any temporary file.
    file = SimpleUploadedFile("现场.jpg", hostile.noisy_photo(), content_type="image/jpeg")
    assert file.size > 10 * 1024

    opened = intake.open_with_code(code_of(submit(client, file)))

    assert [view.name for view in opened.evidence] == ["现场.jpg"]
    assert files_under(disk) == []


def test_other_public_forms_get_a_chinese_400_page_too(client, report_keys, settings):
    # Outside the channel, Django's handler renders templates/400.html (stand-alone, no database).
    settings.DATA_UPLOAD_MAX_NUMBER_FILES = 1
    files = [SimpleUploadedFile(f"{n}.txt", b"receipt", content_type="text/plain") for n in range(2)]

    response = client.post(reverse("reports:receipt_verify"), {"file": files})

    html = response.content.decode()
    assert response.status_code == 400 and '<html lang="zh-Hans">' in html
    assert zh("The request could not be processed") in html and "Bad Request" not in html


# --- evidence at rest ----------------------------------------------------------------------------


def test_evidence_is_sealed_at_rest_and_no_public_url_serves_it(client, disk, demo, report_keys, settings):
    original = photo(size=(120, 90))
    name = "某医院住院部签到表-原件.jpg"
    code = code_of(submit(client, SimpleUploadedFile(name, original, content_type="image/jpeg")))
    opened = intake.open_with_code(code)
    (view,) = opened.evidence
    _, plain = intake.evidence_content(opened, view.id)
    assert plain.startswith(b"\xff\xd8\xff")  # the premise: this is what a thief would look for

    # In the database: only ciphertext, under a random id.
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT id, meta, data FROM {EvidenceFile._meta.db_table}")  # noqa: S608 - our own table
        ((row_id, meta, data),) = cursor.fetchall()
    samples = [plain[i : i + 32] for i in range(0, len(plain) - 32, max(1, len(plain) // 8))]
    for blob in (bytes(meta), bytes(data)):
        assert not any(sample in blob for sample in samples)
        assert name.encode() not in blob and b"\xff\xd8\xff" not in blob[:16]
    # On disk (media, the upload spill directory): nothing.
    assert files_under(disk) == []

    # No public URL serves it: not through media, not by its id, not without the code.
    evidence_id = str(view.id)
    public = Client()
    for path in (
        f"{settings.MEDIA_URL}evidence/{evidence_id}/data",
        f"{settings.MEDIA_URL}evidence/{evidence_id}",
        f"{settings.MEDIA_URL}{row_id}",
        f"/documents/{evidence_id}/",
        f"/report/status/evidence/?evidence={evidence_id}",
    ):
        response = public.get(path, follow=True)
        assert response.status_code in (404, 405), path
        assert plain[:64] not in body_of(response)
    refused = public.post(reverse("reports:evidence"), {"evidence": evidence_id})
    assert refused.status_code == 400 and plain[:64] not in refused.content


# --- rich text from editors ----------------------------------------------------------------------

SCRIPT_TEXT = "<script>alert('text')</script> <img src=x onerror=alert('attr')>"


def hostile_contentstate(visible: str) -> str:
    """What a tampered-with editor could post as Draftail's content: markup typed as text, and
    links to javascript:, a disguised javascript: and a data: page."""
    links = ["javascript:alert('a')", " JaVa\tScRiPt:alert('b')", "data:text/html,<script>alert('c')</script>"]
    text = f"{visible} {SCRIPT_TEXT} "
    ranges = []
    for key, label in enumerate(["链接甲", "链接乙", "链接丙"]):
        ranges.append({"offset": len(text), "length": len(label), "key": key})
        text += label + " "
    return json.dumps(
        {
            "blocks": [
                {
                    "key": "b0001",
                    "type": "unstyled",
                    "depth": 0,
                    "text": text,
                    "inlineStyleRanges": [],
                    "entityRanges": ranges,
                    "data": {},
                }
            ],
            "entityMap": {
                str(key): {"type": "LINK", "mutability": "MUTABLE", "data": {"url": url}}
                for key, url in enumerate(links)
            },
        }
    )


# HTML as the editor's widget turns it into Draftail content (a paste, or a value stored earlier).
PASTED_HTML = (
    '<p>粘贴的内容<a href="javascript:alert(\'d\')">链接丁</a><img src="x" onerror="alert(\'e\')"/>'
    "<script>alert('f')</script><iframe src=\"javascript:alert('g')\"></iframe></p>"
)


def assert_inert(html: str, visible: str):
    """The editor's text is on the page, as text; nothing of the markup is live."""
    assert visible in html and "&lt;script&gt;alert(" in html and "<script>alert" not in html
    page = ParsedPage(html)
    for tag, attrs in page.tags:
        assert not [name for name in attrs if name.startswith("on")], (tag, attrs)
        for name in ("href", "src", "action", "formaction", "data"):
            value = re.sub(r"[\s\x00-\x20]+", "", (attrs.get(name) or "")).lower()
            assert not value.startswith(("javascript:", "vbscript:", "data:text/html")), (tag, attrs)
        if tag == "script":
            assert attrs.get("src", "").startswith("/static/"), "an inline or foreign script"
        assert tag not in ("iframe", "object", "embed")
    for label in ("链接甲", "链接乙", "链接丙"):
        assert label in html


@pytest.fixture
def publisher(demo):
    browser = Client()
    browser.force_login(UserFactory(superuser=True))
    return browser


def publish(browser, url: str, data: dict):
    response = browser.post(url, {**nested_form_data(data), "action-publish": "action-publish"})
    assert response.status_code == 302, response.context["form"].errors if response.context else response.status_code


def test_rich_text_blocks_saved_by_an_editor_reach_the_public_page_inert(publisher, client, demo):
    url = reverse("wagtailadmin_pages:add", args=("home", "standardpage", demo.pk))
    publish(
        publisher,
        url,
        {
            "title": "富文本测试",
            "slug": "rich-text-test",
            "intro": "简介",
            "body": streamfield(
                [("paragraph", hostile_contentstate("正文可见部分")), ("paragraph", rich_text(PASTED_HTML))]
            ),
            "comments": inline_formset([]),
        },
    )
    page = StandardPage.objects.get(slug="rich-text-test")

    html = client.get(page.url).content.decode()

    assert_inert(html, "正文可见部分")
    assert "链接丁" in html and "粘贴的内容" in html


def test_a_rich_text_field_saved_by_an_editor_reaches_the_public_page_inert(publisher, client, demo):
    index = CaseIndexFactory(parent=demo)
    url = reverse("wagtailadmin_pages:add", args=("disclosures", "casepage", index.pk))
    publish(
        publisher,
        url,
        {
            "title": "某医院挂床住院案",
            "slug": "rich-text-case",
            "institution_name": "某医院",
            "institution_type": "hospital",
            "region": "临翔区",
            "decision_date": "2025-05-01",
            "categories": (str(ViolationCategory.objects.get(slug="phantom-inpatients").pk),),
            "measures": (str(Measure.objects.get(slug="recovery").pk),),
            "summary": "摘要",
            "facts": hostile_contentstate("案情可见部分"),
            "comments": inline_formset([]),
        },
    )
    page = CasePage.objects.get(slug="rich-text-case")
    assert "<script" not in page.facts and "javascript" not in page.facts.lower()

    html = client.get(page.url).content.decode()

    assert_inert(html, "案情可见部分")


# --- the status page ---------------------------------------------------------------------------


def test_a_reply_with_a_hostile_file_stores_neither_the_file_nor_the_message(client, disk, demo, report_keys):
    code = intake.submit(make_submission()).code
    messages = ReportMessage.objects.count()
    files = [
        SimpleUploadedFile("补充.pdf", simple_pdf(pages=1), content_type="application/pdf"),
        SimpleUploadedFile("photo.jpg", hostile.zip_bomb(), content_type="image/jpeg"),
    ]

    response = client.post(reverse("reports:reply"), {"code": code, "text": "这是补充材料。", "evidence": files})

    assert response.status_code == 400
    assert f"photo.jpg：{UNSUPPORTED}" in response.content.decode()
    assert ReportMessage.objects.count() == messages and EvidenceFile.objects.count() == 0
    assert files_under(disk) == []
