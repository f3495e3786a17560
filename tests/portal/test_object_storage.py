"""Media on S3-compatible object storage (portal/settings/storage.py), against moto's S3 server.

Editors' images and documents go to the bucket, and public pages link to them there. Report evidence
never does: it is sealed in the database with its report (reports/models.py), so the bucket holds
nothing of a report, in clear or otherwise, and staff still open the evidence."""

import io
import json
import os
import secrets
import subprocess
import sys
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import ImproperlyConfigured
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from PIL import Image
from wagtail.documents import get_document_model
from wagtail.images import get_image_model
from wagtail.models import Collection, Page
from wagtail.test.utils.form_data import inline_formset, nested_form_data, rich_text, streamfield

from disclosures.models import ViolationCategory
from home import publishing
from home.models import StandardPage
from portal.settings.storage import FILESYSTEM_BACKEND, S3_BACKEND, media_storage
from reports import intake
from reports.models import EvidenceFile, Report
from tests.factories import UserFactory
from tests.nodes import bucket_objects, new_bucket, s3_server
from tests.reports.builders import photo, simple_pdf

ROOT = Path(__file__).resolve().parents[2]
TRACKING_CODE = r'id="tracking-code"[^>]*>([0-9A-Z-]+)<'


# Settings ------------------------------------------------------------------------------------------

FULL = {
    "PORTAL_S3_BUCKET": "portal-media",
    "PORTAL_S3_ENDPOINT_URL": "http://minio.intranet:9000",
    "PORTAL_S3_ACCESS_KEY_ID": "portal",
    "PORTAL_S3_SECRET_ACCESS_KEY": "a-secret",
}


def test_media_stay_on_the_filesystem_unless_a_bucket_is_configured():
    assert media_storage({}).storage == {"BACKEND": FILESYSTEM_BACKEND}
    assert media_storage({}).csp_origins == ()
    custom = media_storage({"MEDIA_STORAGE_BACKEND": "myapp.storage.Custom"})
    assert custom.storage == {"BACKEND": "myapp.storage.Custom"}


def test_a_configured_bucket_gives_private_signed_never_overwritten_media():
    media = media_storage({**FULL, "PORTAL_S3_REGION": "cn-north-1"}, page_cache_seconds=600)
    options = media.storage["OPTIONS"]
    assert media.storage["BACKEND"] == S3_BACKEND
    assert options["bucket_name"] == "portal-media"
    assert options["endpoint_url"] == "http://minio.intranet:9000"
    assert (options["access_key"], options["secret_key"], options["region_name"]) == (
        "portal",
        "a-secret",
        "cn-north-1",
    )
    assert options["default_acl"] is None and options["querystring_auth"] is True
    # A page kept in the page cache still links to images that open.
    assert options["querystring_expire"] > 600
    assert options["file_overwrite"] is False
    assert media.csp_origins == ("http://minio.intranet:9000",)
    virtual = media_storage({**FULL, "PORTAL_S3_ADDRESSING_STYLE": "virtual"})
    assert virtual.csp_origins == ("http://portal-media.minio.intranet:9000",)


@pytest.mark.parametrize(
    ("environment", "named"),
    [
        ({"PORTAL_S3_ENDPOINT_URL": "http://minio:9000"}, "PORTAL_S3_ENDPOINT_URL is set but PORTAL_S3_BUCKET is not"),
        (
            {"PORTAL_S3_ACCESS_KEY_ID": "a", "PORTAL_S3_SECRET_ACCESS_KEY": "b"},
            "PORTAL_S3_ACCESS_KEY_ID, PORTAL_S3_SECRET_ACCESS_KEY are set but PORTAL_S3_BUCKET is not",
        ),
        ({"PORTAL_S3_BUCKET": "portal-media"}, "PORTAL_S3_ENDPOINT_URL, PORTAL_S3_ACCESS_KEY_ID"),
        ({**FULL, "PORTAL_S3_SECRET_ACCESS_KEY": ""}, "PORTAL_S3_SECRET_ACCESS_KEY is not"),
        ({**FULL, "PORTAL_S3_BUCKET": "Portal_Media"}, "not a valid bucket name"),
        ({**FULL, "PORTAL_S3_ENDPOINT_URL": "minio:9000"}, "PORTAL_S3_ENDPOINT_URL must be http(s)://host[:port]"),
        ({**FULL, "PORTAL_S3_ENDPOINT_URL": "https://oss.example.cn/bucket"}, "PORTAL_S3_ENDPOINT_URL must be"),
        ({**FULL, "PORTAL_S3_ENDPOINT_URL": "http://minio:port"}, "PORTAL_S3_ENDPOINT_URL must be"),
        ({**FULL, "PORTAL_S3_ENDPOINT_URL": "http://portal:a-secret@minio:9000"}, "got a URL with credentials in it"),
        ({**FULL, "PORTAL_S3_ADDRESSING_STYLE": "dns"}, "PORTAL_S3_ADDRESSING_STYLE must be one of path, virtual"),
        ({**FULL, "MEDIA_STORAGE_BACKEND": FILESYSTEM_BACKEND}, "MEDIA_STORAGE_BACKEND names"),
    ],
)
def test_half_configured_object_storage_refuses_to_start_and_says_what_is_missing(environment, named):
    with pytest.raises(ImproperlyConfigured) as refused:
        media_storage(environment)
    message = str(refused.value)
    assert named in message
    assert message.isascii(), "operators' messages are in English"
    assert FULL["PORTAL_S3_SECRET_ACCESS_KEY"] not in message


def _settings_in_a_fresh_process(**environment):
    """Import the test settings as a process started with ``environment`` would (base.py reads it)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PORTAL_S3_", "MEDIA_STORAGE_BACKEND"))}
    env.update(DJANGO_SETTINGS_MODULE="portal.settings.test", **environment)
    script = (
        "import json, django\n"
        "django.setup()\n"
        "from django.conf import settings\n"
        "from django.core.files.storage import storages\n"
        "media = storages['default']\n"
        "print(json.dumps({'storage': type(media).__name__, 'bucket': getattr(media, 'bucket_name', None),"
        " 'csp': settings.PORTAL_CSP_MEDIA_ORIGINS}))\n"
    )
    return subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=False
    )


def test_the_environment_chooses_the_storage_of_every_process():
    configured = _settings_in_a_fresh_process(**FULL)
    assert configured.returncode == 0, configured.stderr[-2000:]
    seen = json.loads(configured.stdout.strip().splitlines()[-1])
    # The Content Security Policy lets pages show images from the bucket's origin.
    assert seen == {"storage": "S3Storage", "bucket": "portal-media", "csp": ["http://minio.intranet:9000"]}

    half = _settings_in_a_fresh_process(PORTAL_S3_BUCKET="portal-media")
    assert half.returncode != 0
    assert "ImproperlyConfigured: Media storage: PORTAL_S3_BUCKET is set but PORTAL_S3_ENDPOINT_URL" in half.stderr


# Against an S3 server ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def s3_endpoint():
    with s3_server() as endpoint:
        yield endpoint


@pytest.fixture
def bucket(s3_endpoint, settings, tmp_path):
    """A fresh bucket as this process's media storage; MEDIA_ROOT points at an empty directory, which
    must stay empty."""
    media_env = new_bucket(s3_endpoint)
    media = media_storage(media_env, page_cache_seconds=settings.PORTAL_PAGE_CACHE_SECONDS)
    settings.STORAGES = {**settings.STORAGES, "default": media.storage}
    settings.PORTAL_CSP_MEDIA_ORIGINS = list(media.csp_origins)
    settings.MEDIA_ROOT = tmp_path / "media"
    return media_env


def _fetch(url: str) -> tuple[int, bytes]:
    with urllib.request.urlopen(url, timeout=30) as response:  # noqa: S310 - the test's own S3 server
        return response.status, response.read()


def _png(size=(320, 200)) -> bytes:
    """A picture no earlier run made: Wagtail caches renditions in the default cache (a shared Redis
    outlives the test database) by image id and file hash, and an id is reused by a fresh database."""
    buffer = io.BytesIO()
    Image.new("RGB", size, tuple(secrets.token_bytes(3))).save(buffer, "PNG")
    return buffer.getvalue()


def _member(group_name: str, username: str):
    user = UserFactory(username=username)
    user.groups.add(Group.objects.get(name=group_name))
    return user


def signed_in(user):
    browser = Client()
    browser.force_login(user)  # with the second factor passed (tests/conftest.py)
    return browser


def _redirected(response):
    assert response.status_code == 302, response.context["form"].errors if response.context else response.status_code


def _root_collection() -> int:
    return Collection.get_first_root_node().pk


def _local_files(root: Path) -> list[Path]:
    return [path for path in root.rglob("*") if path.is_file()] if root.exists() else []


@pytest.mark.django_db
def test_an_editors_image_and_document_go_to_the_bucket_and_the_public_page_links_to_them(
    bucket, client, demo, parse, settings
):
    editor = signed_in(_member(publishing.EDITORS_GROUP, "editor"))
    moderator = signed_in(_member(publishing.MODERATORS_GROUP, "moderator"))
    root_collection = _root_collection()
    picture, notice = _png(), simple_pdf(pages=1)

    _redirected(
        editor.post(
            reverse("wagtailimages:add"),
            {"title": "现场照片", "file": SimpleUploadedFile("现场.png", picture), "collection": root_collection},
        )
    )
    _redirected(
        editor.post(
            reverse("wagtaildocs:add"),
            {"title": "处理通知", "file": SimpleUploadedFile("notice.pdf", notice), "collection": root_collection},
        )
    )
    image = get_image_model().objects.get(title="现场照片")
    document = get_document_model().objects.get(title="处理通知")
    stored = bucket_objects(bucket)
    assert stored[image.file.name] == picture
    assert stored[document.file.name] == notice
    assert not _local_files(settings.MEDIA_ROOT), "nothing lands on this node's disk"

    body = (
        f'<p>处理通知见<a linktype="document" id="{document.pk}">通知原文</a>。</p>'
        f'<embed embedtype="image" id="{image.pk}" format="fullwidth" alt="现场照片"/>'
    )
    form = nested_form_data(
        {
            "title": "处理结果公告",
            "slug": "result-notice",
            "intro": "附现场照片和通知原文",
            "body": streamfield([("paragraph", rich_text(body))]),
            "comments": inline_formset([]),
            "action-submit": "1",
        }
    )
    _redirected(editor.post(reverse("wagtailadmin_pages:add", args=("home", "standardpage", demo.pk)), form))
    page = StandardPage.objects.get(slug="result-notice")
    task_state = Page.objects.get(pk=page.pk).current_workflow_task_state
    _redirected(moderator.post(reverse("wagtailadmin_pages:workflow_action", args=(page.pk, "approve", task_state.pk))))

    response = client.get("/result-notice/")
    assert response.status_code == 200
    html = parse(response)
    [img] = [attrs for attrs in html.find("img") if attrs.get("alt") == "现场照片"]
    src = urlsplit(img["src"])
    assert f"{src.scheme}://{src.netloc}" == bucket["PORTAL_S3_ENDPOINT_URL"]
    assert src.path.startswith(f"/{bucket['PORTAL_S3_BUCKET']}/images/"), "a rendition made into the bucket"
    assert "X-Amz-Signature=" in src.query, "objects are private: the link is signed"
    # The page's policy lets the browser load it.
    img_src = next(d for d in response["Content-Security-Policy"].split("; ") if d.startswith("img-src "))
    assert bucket["PORTAL_S3_ENDPOINT_URL"] in img_src.split()
    status, rendition = _fetch(img["src"])
    assert status == 200 and Image.open(io.BytesIO(rendition)).size == (320, 200)

    [link] = [a for a in html.links if a["text"] == "通知原文"]
    served = client.get(link["href"])
    assert served.status_code == 302, "Wagtail checks the document's privacy, then sends the reader on"
    assert served["Location"].startswith(f"{bucket['PORTAL_S3_ENDPOINT_URL']}/{bucket['PORTAL_S3_BUCKET']}/")
    assert _fetch(served["Location"]) == (200, notice)
    assert not _local_files(settings.MEDIA_ROOT)


@pytest.mark.django_db
def test_two_uploads_with_the_same_name_keep_both_files(bucket, demo):
    editor = signed_in(_member(publishing.EDITORS_GROUP, "editor"))
    first, second = simple_pdf(pages=1), simple_pdf(pages=2)
    for title, content in (("第一份", first), ("第二份", second)):
        _redirected(
            editor.post(
                reverse("wagtaildocs:add"),
                {"title": title, "file": SimpleUploadedFile("通知.pdf", content), "collection": _root_collection()},
            )
        )
    names = [get_document_model().objects.get(title=title).file.name for title in ("第一份", "第二份")]
    assert names[0] != names[1]
    stored = bucket_objects(bucket)
    assert (stored[names[0]], stored[names[1]]) == (first, second)


def _chunks(data: bytes, size: int = 48) -> list[bytes]:
    """Slices spread over ``data``: a file stored in part, or inside another object, still shows."""
    step = max(1, (len(data) - size) // 8)
    return [data[i : i + size] for i in range(0, max(1, len(data) - size), step)]


@pytest.mark.django_db
def test_report_evidence_never_reaches_the_bucket_and_staff_still_open_it(bucket, client, demo, report_keys, settings):
    # The bucket already holds public media, as a live portal's does.
    _redirected(
        signed_in(_member(publishing.EDITORS_GROUP, "editor")).post(
            reverse("wagtailimages:add"),
            {"title": "公开图片", "file": SimpleUploadedFile("public.png", _png()), "collection": _root_collection()},
        )
    )
    before = bucket_objects(bucket)
    assert before, "the bucket is in use"

    description = "住院部夜间查房记录显示多名病人不在床，护士长说是为了凑床日数。"
    original_photo, original_pdf = photo(size=(120, 90)), simple_pdf(pages=1)
    response = client.post(
        reverse("reports:submit"),
        {
            "party_type": "institution",
            "party_name": "某县人民医院",
            "region": "凤庆县",
            "categories": [str(ViolationCategory.objects.get(slug="phantom-inpatients").pk)],
            "occurred_on": "2026-10-08",
            "amount": "5200",
            "description": description,
            "identity_mode": "anonymous",
            "intake_token": intake.new_intake_token(),
            "evidence": [
                SimpleUploadedFile("病房照片.jpg", original_photo, content_type="image/jpeg"),
                SimpleUploadedFile("查房记录.pdf", original_pdf, content_type="application/pdf"),
            ],
        },
    )
    assert response.status_code == 200
    report = Report.objects.get()
    assert EvidenceFile.objects.filter(report=report).count() == 2

    # Staff open both files from the sealed rows.
    staff = _member("受理员", "shouli")
    officer = signed_in(staff)
    opened = []
    for view in intake.open_for_staff(report).evidence:
        served = officer.get(reverse("reports_admin:evidence", args=[report.pk, view.id]))
        assert served.status_code == 200 and "no-store" in served["Cache-Control"]
        opened.append(served.content)
    assert Image.open(io.BytesIO(opened[0])).size == (120, 90)
    assert opened[1].startswith(b"%PDF-")

    after = bucket_objects(bucket)
    assert after == before, "a report adds nothing to media storage"
    plaintexts = [original_photo, original_pdf, *opened, description.encode()]
    for key, blob in after.items():
        for plaintext in plaintexts:
            assert not any(chunk in blob for chunk in _chunks(plaintext)), f"report data in bucket object {key}"
    assert not _local_files(settings.MEDIA_ROOT)
    # Where the files are: sealed in the database, not readable there either.
    for row in EvidenceFile.objects.filter(report=report):
        sealed = bytes(row.data)
        assert not any(chunk in sealed for plaintext in opened for chunk in _chunks(plaintext))
