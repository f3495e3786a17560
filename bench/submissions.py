"""Report submission and status lookup against a running server, the way a browser does it: open
the form (untimed), send it (timed). Used by bench/run.py; needs `requests` (in the lock).

Tracking codes are kept in memory only to time lookups and are never printed or written."""

import io
import random
import re
import statistics
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import requests

TOKEN = re.compile(r'name="intake_token"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="intake_token"')
CATEGORY = re.compile(r'name="categories"[^>]*value="(\d+)"|value="(\d+)"[^>]*name="categories"')
REGION_SELECT = re.compile(r'<select[^>]*name="region"[^>]*>(.*?)</select>', re.S)
OPTION = re.compile(r'<option value="([^"]+)"')
CODE = re.compile(r'id="tracking-code"[^>]*>([0-9A-Z-]+)<')
# On the status page only when the posted code opened a report.
OPENED = 'id="status-heading"'
CSRF = re.compile(r'name="csrfmiddlewaretoken"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="csrfmiddlewaretoken"')


def photo_bytes(megabytes: float = 3.0) -> bytes:
    """A JPEG of about the given size: noise does not compress, so the size is real."""
    from PIL import Image

    side = int((megabytes * 1024 * 1024 / 1.2) ** 0.5)
    rng = random.Random(7)
    image = Image.frombytes("RGB", (side, side), bytes(rng.getrandbits(8) for _ in range(side * side * 3)))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=95)
    return buffer.getvalue()


def _first(match):
    return next(group for group in match.groups() if group)


def report_fields(form: str) -> dict:
    """What a test reporter fills in on the report form page `form` (anonymous, no files), with
    the form's own token, and Django's CSRF token should the form carry one."""
    categories = [_first(m) for m in CATEGORY.finditer(form)][:2]
    regions = [r for r in OPTION.findall(REGION_SELECT.search(form).group(1)) if r][:3]
    data = {
        "party_type": "institution",
        "party_name": "某某医院（压测）",
        "region": random.choice(regions),
        "categories": categories,
        "occurred_on": "2026-10-08",
        "amount": "3600",
        "description": "压测用举报内容：该医院存在挂床住院、虚记诊疗项目的情况。" * 3,
        "identity_mode": "anonymous",
        "intake_token": _first(TOKEN.search(form)),
    }
    csrf = CSRF.search(form)
    if csrf:
        data["csrfmiddlewaretoken"] = _first(csrf)
    return data


class Submitter:
    def __init__(self, base: str, photo: bytes | None = None):
        self.base, self.photo = base, photo
        self.codes: list[str] = []
        self.lock = threading.Lock()

    def one(self) -> tuple[float, bool]:
        session = requests.Session()
        data = report_fields(session.get(f"{self.base}/report/", timeout=60).text)
        files = {"evidence": ("photo.jpg", self.photo, "image/jpeg")} if self.photo else None
        start = time.perf_counter()
        response = session.post(f"{self.base}/report/", data=data, files=files, timeout=120)
        elapsed = (time.perf_counter() - start) * 1000
        match = CODE.search(response.text) if response.status_code == 200 else None
        if match:
            with self.lock:
                self.codes.append(match.group(1))
        return elapsed, bool(match)

    def run(self, total: int, clients: int) -> dict:
        """Closed loop: `clients` threads each send the next report as soon as theirs is answered."""
        with ThreadPoolExecutor(clients) as pool:
            results = list(pool.map(lambda _: self.one(), range(total)))
        return summarise([t for t, _ in results], errors=sum(1 for _, ok in results if not ok))

    def run_paced(self, total: int, clients: int, per_second: float) -> dict:
        """Open loop: `clients` threads send `total` reports at `per_second` in all, each at its
        own moment, whether or not earlier ones were answered (as independent reporters do)."""
        start = time.perf_counter() + 0.5

        def at(n):
            delay = start + n / per_second - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
            return self.one()

        with ThreadPoolExecutor(clients) as pool:
            results = list(pool.map(at, range(total)))
        summary = summarise([t for t, _ in results], errors=sum(1 for _, ok in results if not ok))
        summary["per_second"] = per_second
        return summary


def lookups(base: str, codes: list[str], runs: int) -> dict:
    timings, errors = [], 0
    for code in (codes * runs)[:runs]:
        start = time.perf_counter()
        response = requests.post(f"{base}/report/status/", data={"code": code}, timeout=60)
        timings.append((time.perf_counter() - start) * 1000)
        # A refused or unknown code also answers 200: only the opened report's status counts.
        errors += response.status_code != 200 or OPENED not in response.text
    return summarise(timings, errors)


def summarise(timings: list[float], errors: int) -> dict:
    ordered = sorted(timings)

    def pct(p):
        return round(ordered[min(len(ordered) - 1, int(len(ordered) * p / 100))], 1) if ordered else None

    return {
        "count": len(ordered),
        "errors": errors,
        "p50": pct(50),
        "p95": pct(95),
        "p99": pct(99),
        "mean": round(statistics.fmean(ordered), 1) if ordered else None,
    }
