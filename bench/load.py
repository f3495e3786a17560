"""`make load`: mixed traffic against the portal for a bounded time, and nothing lost (issue 10).

Serves the portal the way bench/run.py does (gunicorn, 2 sync workers, production settings with
DEBUG off, PostgreSQL, Redis) on a database of its own (portal_load, or portal_load_short with
--short, built once like the bench's or copied from the bench's at the same scale) and Redis
database 12, with the page cache on as in production. A few client workers (threads of this
process, `requests`, no think time) then each repeat a weighted choice of

- browse: the home page, an index (listing, later pages, a filter), an article, a search;
- report: open the form, send it with a small photo (multipart, with the form's token), confirm
  that the code was kept, as a reporter's browser does;
- lookup: post a tracking code received earlier to the status page, which must open that report;

and it prints throughput and p50/p95/p99 latency per kind and overall, and the errors: a status
other than the one expected, a connection error or timeout, a page without what it must show.
Afterwards it checks that nothing was lost: every code received opens its own report (same
number, its photo listed), the report numbers are distinct, and the database holds exactly as many
more reports and evidence files as codes were received. It exits 1 on any error or anything
missing. The full run (5 minutes) also writes its section of docs/performance.md.

    .venv/bin/python bench/load.py [--short] [--seconds N] [--clients N]

Tracking codes stay in this process's memory; none is printed or written."""

import argparse
import json
import os
import random
import re
import subprocess
import sys
import threading
import time
from collections import Counter, defaultdict
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import report, submissions  # noqa: E402
from bench import run as bench  # noqa: E402

REDIS_DB = 12
REDIS = f"redis://127.0.0.1:6379/{REDIS_DB}"
# `twin`: the bench database at the same scale, copied when it is ready and idle (saves a build).
FULL = {"database": "portal_load", "twin": "portal_bench", **bench.FULL, "seconds": 300}
SHORT = {"database": "portal_load_short", "twin": "portal_bench_short", **bench.SHORT, "seconds": 15}
CLIENTS = 4
WARM_UP_SECONDS = 3
PAGE_CACHE_SECONDS = 600  # production's default
PHOTO_MEGABYTES = 0.2
# What a client worker does next, by weight. A report is three requests, a browse or lookup one.
MIX = {"home": 15, "index": 20, "article": 30, "search": 10, "report": 10, "lookup": 15}
# Every kind of request, in the order of the printed table.
KINDS = ("home", "index", "article", "search", "report form", "report", "confirm", "lookup")

NUMBER = re.compile(r"<strong>(\d{4}-\d{6,})</strong>")
HEADING = re.compile(r"<h1[^>]*>([^<]*)</h1>")
EVIDENCE_LISTED = re.compile(r'name="evidence" value="[0-9a-f-]{36}"')


def log(message):
    print(f"[load] {message}", flush=True)


def opened_problem(page: str, number: str) -> str | None:
    """Why a status page is not report `number` with its one photo, or None."""
    if submissions.OPENED not in page:
        return "the code opened no report"
    heading = HEADING.search(page)
    if not heading or number not in heading.group(1):
        return "the code opened another report"
    if len(EVIDENCE_LISTED.findall(page)) != 1:
        return "the report's photo is not listed"
    return None


class Load:
    """The client workers, what they measured and the codes they received (memory only)."""

    def __init__(self, base: str, paths: dict, photo: bytes):
        self.base, self.paths, self.photo = base, paths, photo
        self.timings: dict[str, list[float]] = defaultdict(list)
        self.errors: Counter = Counter()  # (kind, what) -> count; never a code or a page
        # kind -> requests the page cache looked up (X-Cache set), and those it answered (HIT)
        self.cache_looked: Counter = Counter()
        self.cache_hits: Counter = Counter()
        self.received: list[tuple[str, str]] = []  # (tracking code, report number)
        self.sent = 0
        self.lock = threading.Lock()
        self.recording = False

    # One request ------------------------------------------------------------------------------

    def request(self, session, kind, method, path, check=None, **kwargs):
        """The response when it is what `kind` expects (200, and `check` finds nothing wrong);
        otherwise None, with the error counted. Timed either way."""
        start = time.perf_counter()
        problem, response = None, None
        try:
            response = session.request(method, self.base + path, timeout=60, **kwargs)
        except requests.RequestException as error:
            problem = type(error).__name__
        elapsed = (time.perf_counter() - start) * 1000
        if response is not None:
            if response.status_code != 200:
                problem = f"HTTP {response.status_code}"
            elif check:
                problem = check(response.text)
        with self.lock:
            if self.recording:
                self.timings[kind].append(elapsed)
                cached = response.headers.get("X-Cache") if response is not None else None
                self.cache_looked[kind] += cached is not None
                self.cache_hits[kind] += cached == "HIT"
            if problem:
                self.errors[(kind, problem)] += 1
        return None if problem else response

    # What a client worker does ----------------------------------------------------------------

    def browse(self, session, kind, rng):
        self.request(session, kind, "GET", rng.choice(self.paths[kind]))

    def report(self):
        # A new reporter: a browser of their own, nothing shared with the browsing session.
        with requests.Session() as session:
            self._report(session)

    def _report(self, session):
        form = self.request(
            session,
            "report form",
            "GET",
            "/report/",
            lambda page: None if submissions.TOKEN.search(page) else "no form",
        )
        if form is None:
            return
        data = submissions.report_fields(form.text)

        def shows_code(page):
            return None if submissions.CODE.search(page) and NUMBER.search(page) else "no tracking code shown"

        with self.lock:
            self.sent += 1
        files = {"evidence": ("photo.jpg", self.photo, "image/jpeg")}
        sent = self.request(session, "report", "POST", "/report/", shows_code, data=data, files=files)
        if sent is None:
            return
        code, number = submissions.CODE.search(sent.text).group(1), NUMBER.search(sent.text).group(1)
        with self.lock:
            self.received.append((code, number))
        self.request(
            session,
            "confirm",
            "POST",
            "/report/confirm/",
            lambda page: "the code is shown again" if submissions.CODE.search(page) else None,
            data={"intake_token": data["intake_token"], "kept": "1"},
        )

    def lookup(self, session, code, number):
        return self.request(
            session, "lookup", "POST", "/report/status/", lambda page: opened_problem(page, number), data={"code": code}
        )

    def client(self, seed: int, until: float):
        rng, session = random.Random(seed), requests.Session()
        kinds, weights = list(MIX), list(MIX.values())
        while time.monotonic() < until:
            kind = rng.choices(kinds, weights)[0]
            try:
                if kind == "lookup":
                    with self.lock:
                        known = rng.choice(self.received) if self.received else None
                    if known:
                        self.lookup(session, *known)
                    else:
                        self.report()
                elif kind == "report":
                    self.report()
                else:
                    self.browse(session, kind, rng)
            # A page this client cannot read is an error of the run, not the end of a client worker.
            except Exception as error:
                with self.lock:
                    self.errors[(kind, f"unreadable page ({type(error).__name__})")] += 1

    def drive(self, clients: int, seconds: float, seed: int) -> float:
        """`clients` workers for `seconds`; a flow under way when time is up is finished. Returns
        the seconds it took."""
        start = time.monotonic()
        threads = [
            threading.Thread(target=self.client, args=(seed + n, start + seconds), daemon=True) for n in range(clients)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        return time.monotonic() - start

    # Afterwards: nothing lost -----------------------------------------------------------------

    def verify(self) -> Counter:
        """Every code received opens its own report with its photo: what went wrong, by reason."""

        def check(received):
            code, number = received
            try:
                response = requests.post(f"{self.base}/report/status/", data={"code": code}, timeout=60)
            except requests.RequestException as error:
                return type(error).__name__
            if response.status_code != 200:
                return f"HTTP {response.status_code}"
            return opened_problem(response.text, number)

        # Two at a time: the server has two workers, each lookup costs one scrypt derivation.
        with ThreadPoolExecutor(2) as pool:
            missing = Counter(problem for problem in pool.map(check, list(self.received)) if problem)
        numbers = [number for _, number in self.received]
        if len(set(numbers)) != len(numbers):
            missing["a report number given twice"] = len(numbers) - len(set(numbers))
        return missing


def summary(load: Load, seconds: float) -> dict:
    kinds = {}
    every = []
    for kind in KINDS:
        timings = load.timings.get(kind, [])
        every += timings
        errors = sum(n for (k, _), n in load.errors.items() if k == kind)
        kinds[kind] = {
            **submissions.summarise(timings, errors),
            "rps": round(len(timings) / seconds, 1),
            "cache_looked": load.cache_looked[kind],
            "cache_hits": load.cache_hits[kind],
        }
    errors = sum(load.errors.values())
    overall = {
        **submissions.summarise(every, errors),
        "rps": round(len(every) / seconds, 1),
        "cache_looked": sum(load.cache_looked.values()),
        "cache_hits": sum(load.cache_hits.values()),
    }
    return {"kinds": kinds, "overall": overall}


def row_counts(database: str) -> dict:
    out = bench.psql(
        "SELECT (SELECT count(*) FROM reports_report), (SELECT count(*) FROM reports_evidencefile)", database
    )
    reports, evidence = (int(n) for n in out.strip().split("|"))
    return {"reports": reports, "evidence": evidence}


def flush_redis():
    subprocess.run(["redis-cli", "-n", str(REDIS_DB), "flushdb"], capture_output=True, check=False)


def prepare(config: dict):
    """The load database at the configured scale: kept from an earlier run, else copied from the
    bench's database when that one is at this scale and nobody is connected to it, else built."""
    database, twin = config["database"], config["twin"]
    wanted = bench.database_state(config["pages"], config["reports"])
    if bench.recorded_state(database) != wanted and bench.recorded_state(twin) == wanted:
        log(f"copying {twin} into {database}")
        bench.run(["dropdb", *bench.PG_CLIENT, "--if-exists", database])
        copied = subprocess.run(["createdb", *bench.PG_CLIENT, "-T", twin, database], capture_output=True, check=False)
        if copied.returncode == 0:
            bench.record_state(database, wanted)
        else:
            log(f"{twin} is in use; building {database} instead")
    bench.prepare_database(database, config["pages"], config["reports"])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--short", action="store_true", help="small data and 15 s of load (for CI)")
    parser.add_argument("--seconds", type=float, help="how long the mixed load runs")
    parser.add_argument("--clients", type=int, default=CLIENTS, help=f"client workers (default {CLIENTS})")
    args = parser.parse_args()
    config = dict(SHORT if args.short else FULL)
    if args.seconds is not None:
        config["seconds"] = args.seconds
    started = time.monotonic()
    bench.VAR.mkdir(parents=True, exist_ok=True)
    database = config["database"]
    prepare(config)
    env = bench.base_env(database, cache_seconds=PAGE_CACHE_SECONDS)
    env.update(REDIS_URL=REDIS, DJANGO_SETTINGS_MODULE="bench.settings")
    # Two independent Django processes: side by side on the two cores.
    with ThreadPoolExecutor(2) as pool:
        static = pool.submit(bench.run, [bench.PYTHON, "manage.py", "collectstatic", "--no-input", "-v0"], env)
        listed = pool.submit(bench.run, [bench.PYTHON, str(ROOT / "bench" / "load_paths.py")], env)
        static.result()
        setup = json.loads(re.search(r"^LOAD (.*)$", listed.result(), re.M).group(1))
    limits = setup["settings"]
    log(
        "report-channel throttle raised by bench/settings.py (one loopback address stands for every reporter): "
        f"{limits['submissions_per_hour']:,} reports an hour, {limits['lookup_max_failures']:,} failed lookups "
        "per window; page cache "
        + (f"on ({limits['page_cache_seconds']} s)" if limits["page_cache_seconds"] else "off")
    )
    photo = submissions.photo_bytes(PHOTO_MEGABYTES)
    flush_redis()
    server = bench.Server(env).wait("/bench/trivial/")
    try:
        load = Load(server.base, setup["paths"], photo)
        before = row_counts(database)
        # Unrecorded: both gunicorn workers import what they lazily need and load the keyring. Its
        # errors and reports count all the same.
        load.drive(args.clients, WARM_UP_SECONDS, seed=1000)
        log(
            f"set up in {time.monotonic() - started:.0f} s; "
            f"{config['seconds']:g} s of mixed load from {args.clients} client workers "
            "(threads of one Python process, no think time) against gunicorn with 2 sync workers"
        )
        load.recording = True
        load_before, cpu_before = os.getloadavg()[0], time.process_time()
        seconds = load.drive(args.clients, config["seconds"], seed=1)
        generator_cpu = (time.process_time() - cpu_before) / seconds
        load_after = os.getloadavg()[0]
        load.recording = False
        log(f"checking that each of the {len(load.received)} codes received opens its report")
        missing = load.verify()
        after = row_counts(database)
    finally:
        server.stop()
        flush_redis()
    grown = {name: after[name] - before[name] for name in after}
    for name, count in grown.items():
        if count != len(load.received):
            missing[f"{name} in the database grew by {count}, not by the {len(load.received)} codes received"] = 1
    results = {
        "when": datetime.now(UTC).isoformat(timespec="minutes"),
        "short": args.short,
        "database": database,
        "pages": config["pages"],
        "reports_before": before["reports"],
        "seconds": round(seconds, 1),
        "clients": args.clients,
        # The generator's share of one core, and the machine's load average (1 min) before the
        # load and at its end: other work on the machine shows there.
        "generator_cpu": round(generator_cpu, 2),
        "loadavg": [round(load_before, 1), round(load_after, 1)],
        "mix": MIX,
        "photo_kb": round(len(photo) / 1024),
        "settings": limits,
        **summary(load, seconds),
        "error_kinds": {f"{kind}: {what}": n for (kind, what), n in sorted(load.errors.items())},
        "sent": load.sent,
        "received": len(load.received),
        "grown": grown,
        "missing": dict(missing),
        "total_seconds": round(time.monotonic() - started, 1),
    }
    (bench.VAR / ("load-results-short.json" if args.short else "load-results.json")).write_text(
        json.dumps(results, indent=1, ensure_ascii=False)
    )
    print(report.render_load(results))
    if not args.short:
        report.write_load_section(results)
        log("wrote the load section of docs/performance.md")
    log(f"done in {results['total_seconds']:.0f} s")
    failures = []
    if results["overall"]["errors"]:
        failures.append(f"{results['overall']['errors']} errors")
    if missing:
        failures.append("missing: " + "; ".join(f"{what} ({n})" for what, n in missing.items()))
    if failures:
        raise SystemExit("[load] failed: " + "; ".join(failures))


if __name__ == "__main__":
    main()
