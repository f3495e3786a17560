"""The public report channel as a reporter uses it: /report/ and /report/status/."""

import io
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from disclosures.models import ViolationCategory
from reports import codes, intake
from reports.models import EvidenceFile, Report

from .builders import make_submission, photo, simple_pdf

pytestmark = pytest.mark.django_db

CODE_PATTERN = re.compile(r'id="tracking-code"[^>]*>([0-9A-Z-]+)<')


def form_data(**overrides):
    data = {
        "party_type": "pharmacy",
        "party_name": "仁和大药房（南屏店）",
        "region": "凤庆县",
        "categories": [str(ViolationCategory.objects.get(slug="drug-reselling").pk)],
        "occurred_on": "2026-10-08",
        "amount": "3600",
        "description": "药房回收参保人用医保卡购买的药品后再次销售，店员自己说过。",
        "identity_mode": "anonymous",
        "intake_token": intake.new_intake_token(),
    }
    data.update(overrides)
    return data


def code_of(response) -> str:
    match = CODE_PATTERN.search(response.content.decode())
    assert match, "the result page shows the tracking code"
    return match.group(1)


def test_the_form_page_is_private_and_loads_nothing_from_elsewhere(client, demo):
    response = client.get(reverse("reports:submit"))
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    assert response["Referrer-Policy"] == "no-referrer"
    assert "script-src 'self'" in response["Content-Security-Policy"]
    assert not response.cookies, "no cookie, no session is needed to report"
    html = response.content.decode()
    assert not re.search(r'(src|href)="(https?:)?//', html), "every asset is served by the portal itself"
    assert 'name="intake_token"' in html and 'type="file"' in html and "multiple" in html


def test_an_anonymous_report_is_received_and_shows_its_code_once(client, demo, report_keys):
    response = client.post(reverse("reports:submit"), form_data())
    assert response.status_code == 200
    code = code_of(response)
    report = Report.objects.get()
    assert report.number in response.content.decode()
    assert not report.real_name and report.party_type == "pharmacy" and report.region == "凤庆县"
    assert intake.open_with_code(code).content["amount"] == "3600"
    assert "data:text/plain" in response.content.decode(), "the code can be downloaded as text"


def test_a_reload_of_the_result_page_does_not_send_the_report_twice(client, demo, report_keys):
    data = form_data()
    first = client.post(reverse("reports:submit"), data)
    again = client.post(reverse("reports:submit"), data)
    assert code_of(again) == code_of(first)
    assert Report.objects.count() == 1
    client.post(reverse("reports:confirm"), {"intake_token": data["intake_token"], "kept": "1"})
    assert Report.objects.get().code_resend is None
    # Sent once more after the code was confirmed: explained, not stored, and the code is gone.
    late = client.post(reverse("reports:submit"), data)
    assert late.status_code == 409 and Report.objects.get().number in late.content.decode()
    assert Report.objects.count() == 1 and code_of(first) not in late.content.decode()


def test_a_real_name_report_needs_a_valid_id_number_and_phone(client, demo, report_keys):
    response = client.post(
        reverse("reports:submit"),
        form_data(identity_mode="real_name", name="张三", id_number="530902198001010021", phone="12345"),
    )
    assert response.status_code == 200 and not Report.objects.exists()
    html = response.content.decode()
    assert "身份证号码最后一位与前面的数字不符" in html
    assert "请填写11位手机号码" in html

    response = client.post(
        reverse("reports:submit"),
        form_data(identity_mode="real_name", name="张三", id_number="53090219800101030x", phone="139 8877 6655"),
    )
    assert Report.objects.get().real_name
    person = intake.open_with_code(code_of(response)).identity
    assert (person.id_number, person.phone) == ("53090219800101030X", "13988776655")


def test_missing_fields_are_named_in_chinese(client, demo, report_keys):
    response = client.post(reverse("reports:submit"), form_data(categories=[], description="", region=""))
    html = response.content.decode()
    assert "举报尚未提交" in html
    assert "请至少选择一种违法违规行为" in html
    assert not Report.objects.exists()


def test_evidence_is_sanitised_and_refused_types_are_explained(client, demo, report_keys):
    jpeg = SimpleUploadedFile("现场照片.jpg", photo(), content_type="image/jpeg")
    pdf = SimpleUploadedFile("清单.pdf", simple_pdf(pages=1), content_type="application/pdf")
    response = client.post(reverse("reports:submit"), {**form_data(), "evidence": [jpeg, pdf]})
    opened = intake.open_with_code(code_of(response))
    assert [view.name for view in opened.evidence] == ["现场照片.jpg", "清单.pdf"]
    _, image = intake.evidence_content(opened, opened.evidence[0].id)
    assert not Image.open(io.BytesIO(image)).getexif()

    script = SimpleUploadedFile("照片.jpg", b"#!/bin/sh\nrm -rf /\n", content_type="image/jpeg")
    response = client.post(reverse("reports:submit"), {**form_data(), "evidence": [script]})
    html = response.content.decode()
    assert "不支持此类文件" in html and "请重新选择" in html
    assert EvidenceFile.objects.count() == 2


def test_too_many_evidence_files_are_refused_before_reading(client, demo, report_keys, settings):
    settings.PORTAL_EVIDENCE_MAX_FILES = 1
    files = [SimpleUploadedFile(f"{n}.jpg", photo(), content_type="image/jpeg") for n in range(2)]
    response = client.post(reverse("reports:submit"), {**form_data(), "evidence": files})
    assert "最多可上传 1 个文件" in response.content.decode()
    assert not Report.objects.exists()


def test_an_oversize_file_is_refused_with_its_limit(client, demo, report_keys, settings):
    settings.PORTAL_EVIDENCE_MAX_BYTES = 1000
    big = SimpleUploadedFile("big.jpg", photo(size=(400, 400), quality=100), content_type="image/jpeg")
    response = client.post(reverse("reports:submit"), {**form_data(), "evidence": [big]})
    assert response.status_code == 200 and not Report.objects.exists()
    assert "文件超过" in response.content.decode()


# --- status page -------------------------------------------------------------------------------


def test_the_status_page_shows_the_report_its_messages_and_the_deadline(client, demo, report_keys):
    result = intake.submit(make_submission())
    intake.post_staff_message(result.report, "请说明您看到挂床的具体日期。", kind="info_request")
    response = client.post(reverse("reports:status"), {"code": codes.format_code(result.code).lower()})
    html = response.content.decode()
    assert response.status_code == 200
    assert result.report.number in html
    assert "已登记" in html and "正在审查是否受理" in html
    assert "15个工作日" in html
    assert make_submission().description in html
    assert "请说明您看到挂床的具体日期。" in html
    assert response["Referrer-Policy"] == "no-referrer" and "no-store" in response["Cache-Control"]


def test_a_typo_is_answered_check_the_code_and_an_unknown_code_not_found(client, demo, report_keys):
    code = intake.submit(make_submission()).code
    typo = code[:-1] + ("A" if code[-1] != "A" else "B")
    response = client.post(reverse("reports:status"), {"code": typo})
    assert response.status_code == 400 and "请核对" in response.content.decode()
    response = client.post(reverse("reports:status"), {"code": codes.generate_code()})
    assert response.status_code == 404 and "没有与此查询码对应的举报" in response.content.decode()


def test_too_many_unknown_codes_make_the_client_wait(client, demo, report_keys, settings):
    settings.PORTAL_LOOKUP_MAX_FAILURES = 3
    code = intake.submit(make_submission()).code
    for _ in range(3):
        assert client.post(reverse("reports:status"), {"code": codes.generate_code()}).status_code == 404
    response = client.post(reverse("reports:status"), {"code": code})
    assert response.status_code == 429
    assert "分钟后" in response.content.decode() and int(response["Retry-After"]) > 0
    other_client = client.post(reverse("reports:status"), {"code": code}, REMOTE_ADDR="10.1.2.3")
    assert other_client.status_code == 200, "the wait applies to the guessing client only"


def test_the_reporter_replies_with_evidence_and_a_reload_sends_it_once(client, demo, report_keys):
    result = intake.submit(make_submission())
    data = {
        "code": result.code,
        "reply_token": intake.new_intake_token(),
        "text": "补充：护士站有签到表。",
        "evidence": [SimpleUploadedFile("签到表.jpg", photo(), content_type="image/jpeg")],
    }
    response = client.post(reverse("reports:reply"), data)
    assert "您的留言已发送" in response.content.decode()
    data["evidence"] = [SimpleUploadedFile("签到表.jpg", photo(), content_type="image/jpeg")]
    client.post(reverse("reports:reply"), data)
    opened = intake.open_for_staff(result.report)
    assert [m.text for m in opened.messages] == ["补充：护士站有签到表。"]
    assert [f.name for f in opened.messages[0].evidence] == ["签到表.jpg"]


def test_an_empty_reply_is_refused(client, demo, report_keys):
    result = intake.submit(make_submission())
    response = client.post(reverse("reports:reply"), {"code": result.code, "text": "  "})
    assert response.status_code == 400 and "请填写留言或选择文件" in response.content.decode()


def test_the_reporter_downloads_their_own_evidence_only(client, demo, report_keys):
    from reports import evidence

    mine = intake.submit(make_submission(files=[evidence.sanitise(photo(), "mine.jpg")]))
    theirs = intake.submit(make_submission(files=[evidence.sanitise(photo(), "theirs.jpg")]))
    mine_file = EvidenceFile.objects.get(report=mine.report)
    theirs_file = EvidenceFile.objects.get(report=theirs.report)
    response = client.post(reverse("reports:evidence"), {"code": mine.code, "evidence": str(mine_file.id)})
    assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"
    assert "attachment" in response["Content-Disposition"]
    response = client.post(reverse("reports:evidence"), {"code": mine.code, "evidence": str(theirs_file.id)})
    assert response.status_code == 404
    response = client.post(reverse("reports:evidence"), {"code": mine.code, "evidence": "../../etc/passwd"})
    assert response.status_code == 404


def test_a_real_name_reporter_can_switch_to_anonymous(client, demo, report_keys):
    person = intake.Identity(name="赵六", id_number="53090219800101030X", phone="13988776655", contact_preference="sms")
    result = intake.submit(make_submission(identity=person))
    page = client.post(reverse("reports:status"), {"code": result.code}).content.decode()
    assert "赵六" in page and "030X" in page and "53090219800101030X" not in page
    refused = client.post(reverse("reports:withdraw_identity"), {"code": result.code})
    assert refused.status_code == 400 and Report.objects.get().real_name
    response = client.post(reverse("reports:withdraw_identity"), {"code": result.code, "confirm": "1"})
    assert "已删除" in response.content.decode()
    assert "赵六" not in response.content.decode()
    assert intake.open_for_staff(result.report).identity is None


def test_no_report_content_or_code_reaches_the_logs(client, demo, report_keys, caplog):
    caplog.set_level("DEBUG")
    data = form_data()
    response = client.post(reverse("reports:submit"), data)
    code = code_of(response)
    client.post(reverse("reports:status"), {"code": code})
    client.post(reverse("reports:status"), {"code": codes.generate_code()})
    logged = caplog.text
    for secret in (data["description"], data["party_name"], code, codes.normalise(code), "127.0.0.1"):
        assert secret not in logged


def test_the_public_role_takes_reports_and_shows_status_without_the_private_key(client, demo, report_keys, settings):
    from reports import crypto, keys

    hidden = report_keys.with_name("keyring.elsewhere")
    report_keys.rename(hidden)  # the private keyring is not on this node at all
    settings.PORTAL_ROLE = "public"
    settings.PORTAL_KEYRING = str(crypto.public_keyring_path(report_keys))
    keys.forget_loaded_keys()

    code = code_of(client.post(reverse("reports:submit"), form_data()))
    response = client.post(reverse("reports:status"), {"code": code})
    assert response.status_code == 200 and form_data()["description"] in response.content.decode()
    report = Report.objects.get()
    with pytest.raises(keys.PrivateKeyUnavailable):
        intake.open_for_staff(report)

    # On the staff tier the same report opens with the bureau's key.
    hidden.rename(report_keys)
    settings.PORTAL_ROLE = "staff"
    settings.PORTAL_KEYRING = str(report_keys)
    keys.forget_loaded_keys()
    assert intake.open_for_staff(report).content["description"] == form_data()["description"]


def test_a_request_larger_than_every_limit_is_refused_unread(client, demo, report_keys, settings):
    settings.PORTAL_EVIDENCE_MAX_TOTAL_BYTES = 1000
    huge = SimpleUploadedFile("huge.jpg", b"\xff" * (3 * 1024 * 1024), content_type="image/jpeg")
    response = client.post(reverse("reports:submit"), {**form_data(), "evidence": [huge]})
    assert response.status_code == 413 and "文件过大" in response.content.decode()
    assert not Report.objects.exists()
    code = intake.submit(make_submission()).code
    huge.seek(0)
    response = client.post(reverse("reports:reply"), {"code": code, "text": "附件", "evidence": [huge]})
    assert response.status_code == 413
