"""`make bench`: the performance budgets of issue 9, measured on this machine.

Starts the portal under gunicorn (2 sync workers, DEBUG off, PostgreSQL, Redis) on loopback with
scale data (10,000 pages, 100,000 reports), drives it with wrk (-t2 -c16) and a Python client for
report submission, measures queries and server time in-process, starts Wagtail's own project
template as the peer on the same machine, and prints every budget with its measured figure. The
full run writes docs/performance.md; `--short` (used by .ci/run) runs small and quick and fails only
when a query-count bound is broken, since timings on a shared CI machine prove little.

    .venv/bin/python bench/run.py [--short] [--pages N] [--reports M] [--duration S]

Needs wrk (Debian package `wrk`; `make bench` installs it), PostgreSQL on 127.0.0.1:5432 (trust)
and Redis on 127.0.0.1:6379; uses the databases portal_bench*, Redis database 13 and var/bench/."""

import argparse
import hashlib
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VAR = ROOT / "var" / "bench"
BIN = ROOT / ".venv" / "bin"
PYTHON = str(BIN / "python")
sys.path.insert(0, str(ROOT))

from bench import submissions  # noqa: E402

PG = "postgres://postgres@127.0.0.1:5432"
REDIS = "redis://127.0.0.1:6379/13"
FULL = {"pages": 10_000, "reports": 100_000, "duration": 20, "memory_seconds": 600, "submits": 320, "lookups": 12}
SHORT = {"pages": 200, "reports": 1_000, "duration": 3, "memory_seconds": 15, "submits": 32, "lookups": 3}
PUBLIC_QUERY_BUDGET, QUEUE_QUERY_BUDGET = 10, 15
# Reports a second in the open-loop submission scenario: far above a province's thousands a month
# (about one every ten minutes), as a burst.
PACED_PER_SECOND = 4


def log(message):
    print(f"[bench] {message}", flush=True)


def run(cmd, env=None, quiet=True, **kwargs):
    result = subprocess.run(cmd, env=env, cwd=ROOT, text=True, capture_output=quiet, check=False, **kwargs)
    if result.returncode:
        sys.stderr.write((result.stdout or "") + (result.stderr or ""))
        raise SystemExit(f"[bench] failed: {' '.join(map(str, cmd))}")
    return result.stdout


#: How the bench's client tools reach the machine's PostgreSQL.
PG_CLIENT = ["-h", "127.0.0.1", "-U", "postgres"]


def psql(sql, database="postgres"):
    """One statement through psql, its rows unaligned; fails the bench when psql fails."""
    return run(["psql", *PG_CLIENT, "-d", database, "-Atc", sql])


def persistent_secret(name, length=64):
    path = VAR / name
    if not path.exists():
        path.write_text(secrets.token_urlsafe(length))
    return path.read_text()


def base_env(database, cache_seconds=0):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "PORTAL_", "DATABASE_", "REDIS_"))}
    env.update(
        DATABASE_URL=f"{PG}/{database}",
        SECRET_KEY=persistent_secret("secret-key"),
        ALLOWED_HOSTS="127.0.0.1,localhost",
        PORTAL_KEYRING=str(VAR / "keyring"),
        PORTAL_RECEIPT_KEYS=str(VAR / "receipt-keys"),
        PORTAL_CODE_PEPPER=persistent_secret("code-pepper"),
        STATIC_ROOT=str(VAR / "static"),
        MEDIA_ROOT=str(VAR / "media"),
        PORTAL_SUBMISSIONS_PER_HOUR="100000000",
        PORTAL_LOOKUP_MAX_FAILURES="100000000",
        PORTAL_PAGE_CACHE_SECONDS=str(cache_seconds),
        LOG_LEVEL="ERROR",
        PYTHONPATH=str(ROOT),
    )
    return env


def owner():
    """Which checkout built a database: its var/bench secrets (and so its keyring) are not another's."""
    return hashlib.sha256(persistent_secret("secret-key").encode()).hexdigest()[:16]


def recorded_state(database):
    """What built `database`, kept as the database's comment (so that a database rebuilt by another
    checkout, or by CI, is never taken for this one's), or None."""
    # The names are this script's constants (portal_bench*), never input.
    sql = f"SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = '{database}'"  # noqa: S608
    out = subprocess.run(
        ["psql", *PG_CLIENT, "-d", "postgres", "-Atc", sql],
        capture_output=True,
        text=True,
        check=False,
    ).stdout.strip()
    try:
        return json.loads(out) if out else None
    except ValueError:
        return None


def record_state(database, state):
    comment = json.dumps(state).replace("'", "''")
    psql(f"COMMENT ON DATABASE {database} IS '{comment}'")


def database_state(pages, reports):
    """What prepare_database records for a database built at this scale by this checkout."""
    migrations = sorted(str(p.relative_to(ROOT)) for p in ROOT.glob("*/migrations/0*.py"))
    return {
        "pages": pages,
        "reports": reports,
        "migrations": hashlib.sha256("".join(migrations).encode()).hexdigest(),
        "owner": owner(),
    }


def prepare_database(database, pages, reports):
    """Migrate, demo content, keys and scale data, once per database and scale."""
    wanted = database_state(pages, reports)
    if recorded_state(database) == wanted and (VAR / "keyring").exists():
        log(f"reusing {database} ({pages} pages, {reports} reports)")
        return
    log(f"building {database}: {pages} pages, {reports} reports (once; reused by later runs)")
    run(["dropdb", *PG_CLIENT, "--if-exists", database])
    run(["createdb", *PG_CLIENT, database])
    env = base_env(database)
    env.pop("REDIS_URL", None)
    env["DJANGO_SETTINGS_MODULE"] = "portal.settings.dev"
    manage = [PYTHON, "manage.py"]
    run([*manage, "migrate", "--no-input", "-v0"], env)
    run([*manage, "load_demo_content"], env)
    run([*manage, "ensure_dev_keyring"], env)
    started = time.monotonic()
    run(
        [*manage, "generate_scale_data", "--pages", str(pages), "--reports", str(reports), "--seed", "1"],
        env,
        quiet=False,
    )
    log(f"scale data built in {time.monotonic() - started:.0f} s")
    record_state(database, wanted)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """gunicorn with 2 sync workers on a free loopback port, until stopped."""

    def __init__(self, env, app="portal.wsgi:application", cwd=ROOT):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        cmd = [str(BIN / "gunicorn"), app, "-w", "2", "-k", "sync", "-b", f"127.0.0.1:{self.port}", "--timeout", "120"]
        cmd += ["--no-control-socket"]  # gunicorn 27's default socket is per user: the peer would share it
        self.process = subprocess.Popen(cmd, env=env, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)

    def wait(self, path):
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(self.base + path, timeout=5) as response:
                    if response.status == 200:
                        return self
            except OSError:
                time.sleep(0.3)
        self.stop()
        raise SystemExit(f"[bench] the server did not answer {path}: {self.process.stderr.read().decode()[-2000:]}")

    def worker_memory_mb(self):
        """[{"rss": MB, "pss": MB}] per worker. RSS counts every page a worker touches; PSS
        splits the pages shared with other processes (libraries) among them."""
        out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(self.process.pid)], capture_output=True, text=True)
        memory = []
        for pid in out.stdout.split():
            fields = {}
            with open(f"/proc/{pid}/smaps_rollup", encoding="ascii") as rollup:
                for line in rollup:
                    name, _, value = line.partition(":")
                    if name in ("Rss", "Pss"):
                        fields[name.lower()] = round(int(value.split()[0]) / 1024, 1)
            memory.append(fields)
        return memory

    def stop(self):
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(20)
        except subprocess.TimeoutExpired:
            self.process.kill()


def wrk(url, duration, connections=16, paths=None):
    env = dict(os.environ, BENCH_PATHS=" ".join(paths or []))
    out = subprocess.run(
        ["wrk", "-t2", f"-c{connections}", f"-d{duration}s", "-s", str(ROOT / "bench" / "percentiles.lua"), url],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    ).stdout
    data = json.loads(re.search(r"^BENCH (.*)$", out, re.M).group(1))
    data["rps"] = round(data["requests"] / data["seconds"], 1)
    return data


def flush_redis():
    subprocess.run(["redis-cli", "-n", "13", "flushdb"], capture_output=True, check=False)


def sample_paths(env):
    """One public URL of each kind, found in the bench database (bench/inprocess.py --paths)."""
    out = run([PYTHON, str(ROOT / "bench" / "inprocess.py"), "--paths"], env)
    return json.loads(re.search(r"^PATHS (.*)$", out, re.M).group(1))


# The peer: Wagtail's own project template ------------------------------------------------------


def prepare_peer(pages, database):
    """`wagtail start` into var/bench/<database>, on PostgreSQL, with `pages` pages in the tree."""
    peer = VAR / database
    wanted = {"pages": pages, "owner": owner()}
    env = dict(os.environ, DJANGO_SETTINGS_MODULE="benchpeer.settings.production", PYTHONPATH=str(peer))
    if recorded_state(database) == wanted and (peer / "manage.py").exists():
        return peer, env
    shutil.rmtree(peer, ignore_errors=True)
    peer.mkdir(parents=True)
    run([str(BIN / "wagtail"), "start", "benchpeer", str(peer)])
    (peer / "benchpeer" / "settings" / "local.py").write_text(
        "import dj_database_url\n"
        f"SECRET_KEY = {persistent_secret('peer-secret')!r}\n"
        "ALLOWED_HOSTS = ['127.0.0.1', 'localhost']\n"
        f"DATABASES = {{'default': dj_database_url.parse({PG + '/' + database!r}, conn_max_age=600)}}\n"
        "STATIC_ROOT = __import__('os').path.join(__import__('os').path.dirname(__file__), '..', '..', 'static')\n"
    )
    run(["dropdb", *PG_CLIENT, "--if-exists", database])
    run(["createdb", *PG_CLIENT, database])
    manage = [PYTHON, str(peer / "manage.py")]
    run([*manage, "migrate", "--no-input", "-v0"], env, quiet=True)
    run([*manage, "collectstatic", "--no-input", "-v0"], env)
    log(f"peer: adding {pages} pages")
    script = (
        "from home.models import HomePage\n"
        "home = HomePage.objects.get(depth=2)\n"
        f"for n in range({pages}):\n"
        "    home.add_child(instance=HomePage(title=f'医保基金监管页面 {n}', slug=f'page-{n}'))\n"
    )
    run([*manage, "shell", "-c", script], env)
    record_state(database, wanted)
    return peer, env


# Report ---------------------------------------------------------------------------------------


def verdict(ok):
    return "met" if ok else "MISSED"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--short", action="store_true", help="small data, seconds per scenario, query bounds only")
    parser.add_argument("--pages", type=int)
    parser.add_argument("--reports", type=int)
    parser.add_argument("--duration", type=int)
    parser.add_argument("--memory-seconds", type=int)
    parser.add_argument("--no-peer", action="store_true")
    args = parser.parse_args()
    scale = dict(SHORT if args.short else FULL)
    for key in ("pages", "reports", "duration", "memory_seconds"):
        if getattr(args, key) is not None:
            scale[key] = getattr(args, key)
    if not shutil.which("wrk"):
        raise SystemExit("[bench] wrk is missing: `apt-get install wrk` (make bench does it).")
    VAR.mkdir(parents=True, exist_ok=True)
    database = "portal_bench_short" if args.short else "portal_bench"
    prepare_database(database, scale["pages"], scale["reports"])
    env = base_env(database)
    env["REDIS_URL"] = REDIS
    env["DJANGO_SETTINGS_MODULE"] = "bench.settings"
    run([PYTHON, "manage.py", "collectstatic", "--no-input", "-v0"], env)
    paths = sample_paths(env)
    results = {"scale": scale, "paths": paths, "when": datetime.now(UTC).isoformat(timespec="minutes")}

    log("in-process: queries per page, staff queue, statistics")
    (VAR / "paths.json").write_text(json.dumps(paths))
    out = run([PYTHON, str(ROOT / "bench" / "inprocess.py"), str(VAR / "paths.json")], env)
    results["inprocess"] = json.loads(re.search(r"^BENCH (.*)$", out, re.M).group(1))

    duration = scale["duration"]
    for label, cache_seconds in (("uncached", 0), ("cached", 600)):
        flush_redis()
        server = Server(dict(env, PORTAL_PAGE_CACHE_SECONDS=str(cache_seconds))).wait("/bench/trivial/")
        try:
            log(f"{label}: wrk -t2 -c16 -d{duration}s per page")
            for name in ("home", "index", "article", "search"):
                wrk(server.base + paths[name], 2)  # warm up (and fill the cache)
                results[f"{label}:{name}"] = wrk(server.base + paths[name], duration)
            results[f"{label}:trivial"] = wrk(server.base + "/bench/trivial/", duration)
            if label == "uncached":
                log("report submission: 16 clients, without and with a 3 MB photo; status lookups")
                plain = submissions.Submitter(server.base)
                results["submit"] = plain.run(scale["submits"], 16)
                results["submit_paced"] = plain.run_paced(scale["submits"], 16, PACED_PER_SECOND)
                photo = submissions.Submitter(server.base, submissions.photo_bytes(3.0))
                results["submit_photo"] = photo.run(max(16, scale["submits"] // 4), 16)
                results["submit_photo_paced"] = photo.run_paced(max(16, scale["submits"] // 4), 16, 2)
                results["lookup"] = submissions.lookups(server.base, plain.codes, scale["lookups"])
        finally:
            server.stop()
            if label == "uncached":
                results["scrypt"] = scrypt_cost()

    # Memory on a fresh server: pages, filtered lists and searches from wrk, and a report with a
    # small photo every second, for memory_seconds.
    flush_redis()
    server = Server(env).wait("/bench/trivial/")
    try:
        log(f"memory: mixed load for {scale['memory_seconds']} s on a fresh server")
        results["worker_memory_start"] = server.worker_memory_mb()
        results["mixed"] = mixed_load(server, list(paths.values()), scale["memory_seconds"])
        results["worker_memory"] = server.worker_memory_mb()
    finally:
        server.stop()

    if not args.no_peer:
        peer, peer_env = prepare_peer(scale["pages"], database.replace("portal_bench", "portal_bench_peer"))
        server = Server(peer_env, app="benchpeer.wsgi:application", cwd=peer).wait("/")
        try:
            log("peer (wagtail start): home, a page, search")
            for name, path in (("home", "/"), ("article", "/page-1/"), ("search", "/search/?query=%E9%A1%B5%E9%9D%A2")):
                wrk(server.base + path, 2)
                results[f"peer:{name}"] = wrk(server.base + path, duration)
        finally:
            server.stop()
        results["peer_queries"] = json.loads(
            re.search(
                r"^PEERQ (.*)$",
                run(
                    [PYTHON, str(peer / "manage.py"), "shell", "-c", PEER_QUERIES],
                    peer_env,
                ),
                re.M,
            ).group(1)
        )
    flush_redis()
    (VAR / ("results-short.json" if args.short else "results.json")).write_text(json.dumps(results, indent=1))
    report = render(results)
    print(report)
    if not args.short:
        (ROOT / "docs" / "performance.md").write_text(report)
        log("wrote docs/performance.md")
    broken = query_bounds_broken(results)
    if broken:
        raise SystemExit("[bench] query-count bound broken: " + "; ".join(broken))


def scrypt_cost():
    """The tracking-code derivation alone (bench/scrypt_cost.py), median of 9, in ms."""
    out = run([PYTHON, str(ROOT / "bench" / "scrypt_cost.py"), "9"])
    return float(re.search(r"CODE_KDF_COST: .*?median (\d+) ms", out).group(1))


def mixed_load(server, paths, seconds):
    """Public pages from wrk (8 connections) while a client sends a report with a small photo
    every second."""
    trickle, stop = submissions.Submitter(server.base, submissions.photo_bytes(0.2)), threading.Event()

    def submit_slowly():
        while not stop.is_set():
            trickle.one()
            time.sleep(1)

    thread = threading.Thread(target=submit_slowly, daemon=True)
    thread.start()
    try:
        return wrk(server.base + "/", seconds, connections=8, paths=paths)
    finally:
        stop.set()
        thread.join(30)


PEER_QUERIES = (
    "import json\n"
    "from django.db import connection\n"
    "from django.test import Client\n"
    "from django.test.utils import CaptureQueriesContext\n"
    "c = Client(HTTP_HOST='127.0.0.1')\n"
    "out = {}\n"
    "for name, path in (('home', '/'), ('article', '/page-1/'), ('search', '/search/?query=%E9%A1%B5%E9%9D%A2')):\n"
    "    c.get(path)\n"
    "    with CaptureQueriesContext(connection) as q:\n"
    "        c.get(path)\n"
    "    out[name] = len(q)\n"
    "print('PEERQ ' + json.dumps(out))\n"
)


def query_bounds_broken(results):
    broken = []
    for name, page in results["inprocess"]["pages"].items():
        if page["status"] != 200:
            broken.append(f"{name} answered {page['status']}")
        elif page["queries"] == 0:
            # An uncached page always reads the database: none counted means the count is broken.
            broken.append(f"{name}: no queries counted")
        elif page["queries"] > PUBLIC_QUERY_BUDGET:
            broken.append(f"{name}: {page['queries']} queries > {PUBLIC_QUERY_BUDGET}")
    for name in ("queue", "queue_filtered", "queue_page_5"):
        if results["inprocess"][name]["queries"] > QUEUE_QUERY_BUDGET:
            broken.append(f"staff {name}: {results['inprocess'][name]['queries']} queries > {QUEUE_QUERY_BUDGET}")
    return broken


def render(r):
    from bench.report import render as render_report

    return render_report(r)


if __name__ == "__main__":
    main()
