"""bench/load.py: what it reads off the report pages matches the pages the portal really serves
(else a load run would count sound answers as errors, or miss lost reports), and `make bench`
keeps the load section of docs/performance.md."""

import socket

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from bench import load, report, submissions
from reports import codes, crypto

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def cheap_kdf(monkeypatch):
    # The stated scrypt cost would add a tenth of a second to every submission and lookup.
    cheap = crypto.ScryptCost(n_log2=4, r=1, p=1)
    monkeypatch.setattr(crypto, "CODE_KDF_COST", cheap)
    monkeypatch.setattr(crypto, "KEYRING_KDF_COST", cheap)


def send_report(client, with_photo=True):
    """A report as bench/load.py sends it: form fields read off the form page, a small photo."""
    form = client.get(reverse("reports:submit")).content.decode()
    data = submissions.report_fields(form)
    if with_photo:
        data["evidence"] = SimpleUploadedFile("photo.jpg", submissions.photo_bytes(0.01), content_type="image/jpeg")
    page = client.post(reverse("reports:submit"), data).content.decode()
    code, number = submissions.CODE.search(page).group(1), load.NUMBER.search(page).group(1)
    confirmed = client.post(reverse("reports:confirm"), {"intake_token": data["intake_token"], "kept": "1"})
    assert confirmed.status_code == 200
    assert not submissions.CODE.search(confirmed.content.decode()), "the confirmed page no longer shows the code"
    return code, number


def status_page(client, code):
    response = client.post(reverse("reports:status"), {"code": code})
    return response.content.decode()


def test_each_code_is_checked_to_open_its_own_report_with_its_photo(client, demo, report_keys):
    first_code, first_number = send_report(client)
    second_code, second_number = send_report(client)
    assert first_number != second_number

    assert load.opened_problem(status_page(client, first_code), first_number) is None
    assert load.opened_problem(status_page(client, second_code), second_number) is None
    assert load.opened_problem(status_page(client, first_code), second_number) == "the code opened another report"


def test_a_code_that_opens_nothing_or_a_report_without_its_photo_counts_as_missing(client, demo, report_keys):
    _, number = send_report(client)
    bare_code, bare_number = send_report(client, with_photo=False)
    unknown = codes.format_code(codes.generate_code())  # well formed, of no report

    assert load.opened_problem(status_page(client, unknown), number) == "the code opened no report"
    assert load.opened_problem(status_page(client, bare_code), bare_number) == "the report's photo is not listed"


def test_make_bench_keeps_the_load_figures_and_make_load_replaces_them(tmp_path, monkeypatch):
    doc = tmp_path / "performance.md"
    monkeypatch.setattr(report, "DOC", doc)
    doc.write_text("# Performance\n\nbench figures of the first run\n")
    results = {
        "when": "2026-12-05T03:00+00:00",
        "short": False,
        "database": "portal_load",
        "pages": 10,
        "reports_before": 5,
        "seconds": 300.2,
        "clients": 4,
        "generator_cpu": 0.1,
        "loadavg": [0.5, 2.1],
        "mix": load.MIX,
        "photo_kb": 206,
        "settings": {"submissions_per_hour": 10**8, "lookup_max_failures": 10**8, "page_cache_seconds": 600},
        "kinds": {
            "home": {
                "count": 3,
                "rps": 0.0,
                "p50": 5.0,
                "p95": 9.0,
                "p99": 9.0,
                "errors": 0,
                "cache_looked": 3,
                "cache_hits": 2,
            }
        },
        "overall": {"count": 3, "rps": 0.0, "p50": 5.0, "p95": 9.0, "p99": 9.0, "errors": 0},
        "error_kinds": {},
        "sent": 7,
        "received": 7,
        "grown": {"reports": 7, "evidence": 7},
        "missing": {},
    }
    report.write_load_section(results)
    assert "bench figures of the first run" in doc.read_text() and "## Load (mixed)" in doc.read_text()

    # make bench: the generated part replaced, the load section carried over.
    doc.write_text(report.keep_load_section("# Performance\n\nbench figures of the second run\n"))
    text = doc.read_text()
    assert "bench figures of the first run" not in text
    assert text.startswith("# Performance\n\nbench figures of the second run\n")
    assert "| home | 3 | 0.0 | 5.0 | 9.0 | 9.0 | 67% | 0 |" in text

    # make load again: its section replaced in place, not added twice.
    report.write_load_section({**results, "clients": 6})
    text = doc.read_text()
    assert text.count("## Load (mixed)") == 1 and "**6 client workers**" in text and "**4 client" not in text
    assert text.startswith("# Performance\n\nbench figures of the second run\n")


def test_a_server_that_does_not_answer_makes_every_attempt_an_error():
    with socket.socket() as closed:  # a loopback port nobody listens on
        closed.bind(("127.0.0.1", 0))
        base = f"http://127.0.0.1:{closed.getsockname()[1]}"
    paths = {kind: ["/"] for kind in ("home", "index", "article", "search")}
    run = load.Load(base, paths, b"")
    run.recording = True
    run.drive(clients=2, seconds=0.3, seed=1)

    attempts = sum(len(timings) for timings in run.timings.values())
    assert attempts > 0 and sum(run.errors.values()) == attempts
    assert {what for _, what in run.errors} == {"ConnectionError"}
    assert not run.received
