"""Backup and restore drill: reports with evidence, staff work and a published document; then
deploy/backup.sh, deploy/restore.sh into a FRESH database and media folder, and there, with the
keyring, as an operator would: every report opens (`reportkeys check`), the audit chain verifies
(`verify_audit`) up to the same last event, reporters' codes still find their reports, and the
media files are back. The drill database is dropped at the end."""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.core.files.base import ContentFile
from django.db import connection
from psycopg import sql
from wagtail.documents.models import Document
from wagtail.models import Collection

from reports import evidence, intake, workflow
from reports.audit import verify_chain
from reports.models import Report

from ..celery_worker import database_url
from ..reports.builders import make_submission, photo, simple_pdf

pytestmark = [pytest.mark.integration, pytest.mark.shared_database, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parents[2]

#: Opens each code read from stdin on the restored database; prints what it found, never the content.
OPEN_CODES = """
import hashlib, json, sys
from reports import intake
found = {}
for code in json.load(sys.stdin):
    opened = intake.open_with_code(code)
    content = json.dumps(opened.content, sort_keys=True, ensure_ascii=False).encode()
    found[opened.report.number] = [hashlib.sha256(content).hexdigest(), len(opened.evidence)]
print(json.dumps(found))
"""


def url_for(database: str) -> str:
    return database_url(connection.settings_dict, database)


def server_connection() -> psycopg.Connection:
    db = connection.settings_dict
    return psycopg.connect(
        host=db.get("HOST") or "127.0.0.1",
        port=db.get("PORT") or 5432,
        user=db["USER"],
        password=db.get("PASSWORD") or None,
        dbname="postgres",
        autocommit=True,
    )


def tables_in(database: str) -> int:
    with psycopg.connect(url_for(database)) as conn:
        return conn.execute(
            "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public'"
        ).fetchone()[0]


@pytest.fixture
def drill_database(transactional_db):
    name = f"portal_drill_{secrets.token_hex(6)}"
    with server_connection() as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield name
    finally:
        with server_connection() as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def run(command: list[str], **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        command, cwd=ROOT, env={**os.environ, **env}, capture_output=True, text=True, timeout=600, check=False
    )


def manage(*args: str, database: str, keyring: Path, receipt_keys: str, stdin: str | None = None):
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "portal.settings.test",
        "DATABASE_URL": url_for(database),
        "PORTAL_ROLE": "staff",
        "PORTAL_KEYRING": str(keyring),
        "PORTAL_RECEIPT_KEYS": receipt_keys,
    }
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


def content_digest(opened: intake.OpenedReport) -> str:
    return hashlib.sha256(json.dumps(opened.content, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def test_a_backup_restored_into_a_fresh_database_opens_every_report_and_verifies_the_audit_chain(
    demo, report_keys, settings, tmp_path, drill_database
):
    media = tmp_path / "media"
    settings.MEDIA_ROOT = str(media)
    notice = simple_pdf(pages=1, **{"/Title": "公告"})
    # A transactional test starts from emptied tables: the root collection of migrations is gone.
    if Collection.get_first_root_node() is None:
        Collection.add_root(name="Root")
    document = Document.objects.create(title="2026年飞行检查公告附件", file=ContentFile(notice, name="notice.pdf"))

    officer = get_user_model().objects.create_user("officer", password="x")
    officer.user_permissions.set(Permission.objects.filter(codename="decide_report"))
    officer = get_user_model().objects.get(pk=officer.pk)
    anonymous = intake.submit(
        make_submission(files=[evidence.sanitise(photo(), "现场照片.jpg"), evidence.sanitise(simple_pdf(), "清单.pdf")])
    )
    real_name = intake.submit(
        make_submission(
            identity=intake.Identity(
                name="张三", id_number="530902199001011234", phone="13800000000", contact_preference="phone"
            )
        )
    )
    workflow.perform(anonymous.report, "accept", officer, message="已受理，我们将尽快核查。")
    intake.add_reporter_message(
        intake.open_with_code(anonymous.code), "补充一张收费单。", files=[evidence.sanitise(photo(), "收费单.jpg")]
    )
    workflow.perform(real_name.report, "accept", officer, message="已受理。")
    expected = {}
    for submitted in (anonymous, real_name):
        opened = intake.open_with_code(submitted.code)
        expected[submitted.report.number] = [content_digest(opened), len(opened.evidence)]
    chain = verify_chain()
    assert chain.ok and chain.last_sequence >= 2

    # Back up.
    backed_up = run(
        ["deploy/backup.sh", str(tmp_path / "backups")],
        DATABASE_URL=url_for(connection.settings_dict["NAME"]),
        MEDIA_ROOT=str(media),
    )
    assert backed_up.returncode == 0, backed_up.stderr
    backup = Path(backed_up.stdout.strip().splitlines()[-1])
    assert sorted(p.name for p in backup.iterdir()) == ["SHA256SUMS", "database.dump", "info.txt", "media.tar.gz"]
    for path in (backup, *backup.iterdir()):
        assert stat.S_IMODE(path.stat().st_mode) & 0o077 == 0, f"{path} is readable by others"
    assert not list(backup.parent.glob("*.partial"))

    restored_media = tmp_path / "restored" / "media"
    target = {"DATABASE_URL": url_for(drill_database), "MEDIA_ROOT": str(restored_media)}

    # A damaged backup is refused before anything is touched.
    damaged = tmp_path / "damaged"
    shutil.copytree(backup, damaged)
    with (damaged / "database.dump").open("r+b") as dump:
        dump.seek(-100, os.SEEK_END)
        byte = dump.read(1)
        dump.seek(-100, os.SEEK_END)
        dump.write(bytes([byte[0] ^ 0xFF]))
    refused = run(["deploy/restore.sh", str(damaged)], **target)
    assert refused.returncode != 0 and "checksums do not match" in refused.stderr
    assert tables_in(drill_database) == 0 and not restored_media.exists()

    # Restore into the fresh database and media folder.
    restored = run(["deploy/restore.sh", str(backup)], **target)
    assert restored.returncode == 0, restored.stderr
    # Never over a database that holds something.
    again = run(
        ["deploy/restore.sh", str(backup)], DATABASE_URL=url_for(drill_database), MEDIA_ROOT=str(tmp_path / "other")
    )
    assert again.returncode != 0 and "not empty" in again.stderr

    keys = {"database": drill_database, "keyring": report_keys, "receipt_keys": str(settings.PORTAL_RECEIPT_KEYS)}
    audit = manage("verify_audit", **keys)
    assert audit.returncode == 0, audit.stderr
    assert f"Last event: sequence {chain.last_sequence}, hash {chain.last_hash}." in audit.stdout

    check = manage("reportkeys", "check", **keys)
    assert check.returncode == 0, check.stdout + check.stderr
    assert "Reports checked: 2 (2 fully open)" in check.stdout and "Failures: 0." in check.stdout

    codes = json.dumps([anonymous.code, real_name.code])
    found = manage("shell", "-c", OPEN_CODES, stdin=codes, **keys)
    assert found.returncode == 0, found.stderr
    assert json.loads(found.stdout.strip().splitlines()[-1]) == expected

    assert (restored_media / document.file.name).read_bytes() == (media / document.file.name).read_bytes()
    # The live database was only read.
    assert Report.objects.count() == 2 and verify_chain().last_hash == chain.last_hash
