"""The deployment files (deploy/) and docs/deployment.md say what the code does.

An operator follows them word for word: the environment example must name exactly what the production
settings read and start once its secrets are filled in; the systemd units and the compose file must
start real commands with the right role and keys; nginx must keep the admin off the public host, keep
client addresses out of the report channel's logs and let the portal answer an oversize report itself;
and every `manage.py` command the documentation names must exist.
"""

import ast
import getpass
import json
import os
import re
import secrets
import shlex
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml
from django.core.management import get_commands
from django.test import override_settings

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
DOCS = ROOT / "docs" / "deployment.md"
ENV_EXAMPLE = DEPLOY / "portal.env.example"
WRAPPER = DEPLOY / "portal-manage"
VENV_BIN = Path(sys.executable).parent

# Paths the units and the documentation install to (docs/deployment.md, "Layout").
INSTALLED_VENV_BIN = "/opt/portal/venv/bin/"
INSTALLED_APP_DIR = "/opt/portal/app"
INSTALLED_ENV_FILE = "/etc/portal/portal.env"

# Variables the example may set that the settings do not read, and the files that read them instead.
READ_ELSEWHERE = {"DJANGO_SETTINGS_MODULE": ("manage.py", "portal/wsgi.py", "portal/celery.py")}
# Set per unit and per compose service; the example must not set them (EnvironmentFile= would win).
PER_PROCESS = ("PORTAL_ROLE", "PORTAL_KEYRING")
SECRETS = {
    "SECRET_KEY": lambda: secrets.token_urlsafe(64),
    "PORTAL_CODE_PEPPER": lambda: secrets.token_urlsafe(48),
}
UNITS = ("portal-public", "portal-staff", "portal-worker", "portal-beat")
COMPOSE_SERVICES = {"postgres", "redis", "public", "staff", "worker", "beat", "nginx"}

# Environment passed on to subprocesses: the settings see only what a test gives them.
BASE_ENV = {key: os.environ[key] for key in ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR") if key in os.environ}


def run(args, env):
    return subprocess.run(
        args, cwd=ROOT, env={**BASE_ENV, **env}, capture_output=True, text=True, timeout=180, check=False
    )


class Started:
    """A subprocess started ahead of the test that reads it: the slow ones (each loads Django) run side
    by side instead of one after the other."""

    def __init__(self, args, env):
        self.process = subprocess.Popen(
            args, cwd=ROOT, env={**BASE_ENV, **env}, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )

    def result(self) -> subprocess.CompletedProcess:
        stdout, stderr = self.process.communicate(timeout=300)
        return subprocess.CompletedProcess(self.process.args, self.process.returncode, stdout, stderr)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.communicate()


@pytest.fixture(scope="module")
def started():
    """Starts subprocesses for the module's tests, and stops any a failed test left unread."""
    processes = []

    def start(args, env) -> Started:
        processes.append(Started(args, env))
        return processes[-1]

    yield start
    for process in processes:
        process.stop()


# --- the environment example ----------------------------------------------------------------------

ASSIGNMENT = re.compile(r"^(#\s*)?([A-Z][A-Z0-9_]*)=(.*)$")


def read_example() -> tuple[dict[str, str], dict[str, str], list[str]]:
    """(active assignments, commented-out assignments, lines) of the environment example."""
    active, commented = {}, {}
    lines = ENV_EXAMPLE.read_text(encoding="utf-8").splitlines()
    for line in lines:
        match = ASSIGNMENT.match(line)
        if match:
            (commented if match[1] else active)[match[2]] = match[3]
    return active, commented, lines


def filled_example() -> dict[str, str]:
    """The example as an operator leaves it: every secret generated, the rest as shipped."""
    active, _, _ = read_example()
    return {**active, **{name: make() for name, make in SECRETS.items()}}


def write_env_file(path: Path, values: dict[str, str]) -> Path:
    """The example file itself, comments and all, with `values` in place of its own (and appended when
    it has no line for them), as an operator edits it."""
    lines, written = [], set()
    for line in read_example()[2]:
        match = ASSIGNMENT.match(line)
        if match and not match[1] and match[2] in values:
            line = f"{match[2]}={values[match[2]]}"
            written.add(match[2])
        lines.append(line)
    lines += [f"{name}={value}" for name, value in values.items() if name not in written]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


# Imports the production settings module with os.environ replaced by a mapping that notes every name
# read from code under portal/settings/, and prints those names with the settings nginx must match.
RECORD_READS = r"""
import collections.abc, json, os, sys

SETTINGS_DIR = os.path.join(os.getcwd(), "portal", "settings") + os.sep
seen = set()

def caller_file():
    frame = sys._getframe(2)
    while frame is not None:
        name = frame.f_code.co_filename
        if name != "<string>" and "_collections_abc" not in name:
            return name
        frame = frame.f_back
    return ""

class Recording(collections.abc.MutableMapping):
    def __init__(self, data):
        self._data = dict(data)
    def _note(self, key):
        if caller_file().startswith(SETTINGS_DIR):
            seen.add(key)
    def __getitem__(self, key):
        self._note(key)
        return self._data[key]
    def __contains__(self, key):
        self._note(key)
        return key in self._data
    def __setitem__(self, key, value):
        self._data[key] = value
    def __delitem__(self, key):
        del self._data[key]
    def __iter__(self):
        return iter(self._data)
    def __len__(self):
        return len(self._data)

os.environ = Recording(os.environ)
import portal.settings.production as production
print(json.dumps({
    "read": sorted(seen),
    "modules": sorted(name for name in sys.modules if name.startswith("portal.settings")),
    "proxy_ssl_header": list(production.SECURE_PROXY_SSL_HEADER),
}))
"""

ENV_HELPERS = {"env_str", "env_int", "env_bool", "env_list", "getenv"}


def _literal_reads(path: Path) -> set[str]:
    """Names read with a literal argument: env_str("X"), os.environ.get("X"), os.environ["X"]. Catches
    reads in branches the recording run did not take."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        target = None
        if isinstance(node, ast.Call) and node.args:
            func = node.func
            helper = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""
            on_environ = (
                isinstance(func, ast.Attribute) and func.attr == "get" and ast.unparse(func.value) == "os.environ"
            )
            if helper in ENV_HELPERS or on_environ:
                target = node.args[0]
        elif isinstance(node, ast.Subscript) and ast.unparse(node.value) == "os.environ":
            target = node.slice
        if isinstance(target, ast.Constant) and isinstance(target.value, str):
            names.add(target.value)
    return names


@pytest.fixture(scope="module")
def production():
    """What the production settings read from the environment, and SECURE_PROXY_SSL_HEADER."""
    env = {**filled_example(), "PORTAL_ROLE": "staff", "PORTAL_KEYRING": "/etc/portal/keys/keyring"}
    result = run([sys.executable, "-c", RECORD_READS], env)
    assert result.returncode == 0, result.stderr
    recorded = json.loads(result.stdout.strip().splitlines()[-1])
    reads = set(recorded["read"])
    for module in recorded["modules"]:
        path = ROOT / Path(*module.split("."))
        reads |= _literal_reads(path / "__init__.py" if path.is_dir() else path.with_suffix(".py"))
    return {"reads": reads, "proxy_ssl_header": tuple(recorded["proxy_ssl_header"])}


def test_the_example_names_every_variable_the_production_settings_read(production):
    active, commented, _ = read_example()

    missing = production["reads"] - set(active) - set(commented)

    assert not missing, f"deploy/portal.env.example does not mention {sorted(missing)}"


def test_every_variable_in_the_example_is_read_by_the_production_settings(production):
    active, commented, _ = read_example()

    unread = set(active) | set(commented)
    unread -= production["reads"] | set(READ_ELSEWHERE)

    assert not unread, f"deploy/portal.env.example sets {sorted(unread)}, which production never reads"
    for name, readers in READ_ELSEWHERE.items():
        for reader in readers:
            assert name in (ROOT / reader).read_text(encoding="utf-8"), f"{reader} does not read {name}"


def test_every_variable_in_the_example_has_a_comment_line_above_it():
    active, _, lines = read_example()

    for index, line in enumerate(lines):
        match = ASSIGNMENT.match(line)
        if match and not match[1]:
            above = lines[index - 1] if index else ""
            assert above.startswith("#") and not ASSIGNMENT.match(above), f"no comment above {match[2]}"
    assert active["DJANGO_SETTINGS_MODULE"] == "portal.settings.production"


def test_the_example_leaves_the_role_and_keyring_to_each_process():
    active, commented, _ = read_example()

    assert not set(PER_PROCESS) & set(active)
    assert set(PER_PROCESS) <= set(commented)


# --- deploy/portal-manage with the example ---------------------------------------------------------


def manage(start, directory: Path, values, *args, role=None) -> Started:
    env = {
        "PORTAL_APP_DIR": str(ROOT),
        "PORTAL_VENV": str(VENV_BIN.parent),
        "PORTAL_ENV_FILE": str(write_env_file(directory / "portal.env", values)),
        "PORTAL_USER": getpass.getuser(),
    }
    if role:
        env["PORTAL_ROLE"] = role
    return start([str(WRAPPER), *args], env)


# Runs the deploy checks, then prints the role and keyring the command ran with.
DEPLOY_CHECK_AND_ROLE = (
    "from django.conf import settings; from django.core.management import call_command; "
    "call_command('check', deploy=True, fail_level='WARNING'); print(settings.PORTAL_ROLE, settings.PORTAL_KEYRING)"
)
ROLES = {None: "staff /etc/portal/keys/keyring", "public": "public /etc/portal/keys/keyring.public"}


@pytest.fixture(scope="module")
def manage_runs(started, tmp_path_factory):
    runs = {}
    for placeholder in SECRETS:
        # Every secret filled in but this one, left as the example ships it.
        values = {**filled_example(), placeholder: read_example()[0][placeholder]}
        runs[placeholder] = manage(started, tmp_path_factory.mktemp("env"), values, "check")
    for role in ROLES:
        # A portal.env that names a role must not change the one portal-manage was asked for.
        values = {**filled_example(), "PORTAL_ROLE": "all", "PORTAL_KEYRING": "/elsewhere"}
        runs[role] = manage(
            started, tmp_path_factory.mktemp("env"), values, "shell", "-c", DEPLOY_CHECK_AND_ROLE, role=role
        )
    return runs


@pytest.mark.parametrize("placeholder", sorted(SECRETS))
def test_a_placeholder_secret_left_in_the_example_refuses_to_start(manage_runs, placeholder):
    result = manage_runs[placeholder].result()

    assert result.returncode != 0
    assert "Refusing to start in production" in result.stderr
    assert placeholder in result.stderr


@pytest.mark.parametrize("role", list(ROLES))
def test_the_example_with_its_secrets_filled_in_passes_the_deploy_checks_in_the_role_asked(manage_runs, role):
    result = manage_runs[role].result()

    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.strip().splitlines()
    assert "no issues" in lines[-2]
    assert lines[-1] == ROLES[role]


# --- systemd units ---------------------------------------------------------------------------------


def read_unit(name: str) -> dict[str, list[str]]:
    """The unit's [Service] settings, each key with all its values, continuation lines joined."""
    text = (DEPLOY / "systemd" / f"{name}.service").read_text(encoding="utf-8").replace("\\\n", " ")
    service, section = {}, None
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("["):
            section = line.strip("[]")
            continue
        key, _, value = line.partition("=")
        if section == "Service":
            service.setdefault(key.strip(), []).append(value.strip())
    return service


def unit_environment(service: dict[str, list[str]]) -> dict[str, str]:
    return dict(item.split("=", 1) for item in service.get("Environment", []))


@pytest.mark.parametrize("name", UNITS)
def test_every_unit_reads_the_env_file_and_is_hardened(name):
    service = read_unit(name)

    assert service["EnvironmentFile"] == [INSTALLED_ENV_FILE]
    assert service["WorkingDirectory"] == [INSTALLED_APP_DIR]
    assert service["User"] == ["portal"]
    assert service["NoNewPrivileges"] == ["yes"]
    assert service["ProtectSystem"] == ["strict"]
    assert service["PrivateTmp"] == ["yes"]
    assert service["ReadWritePaths"]


@pytest.mark.parametrize(
    ("name", "role"),
    [("portal-public", "public"), ("portal-beat", "public"), ("portal-staff", "staff"), ("portal-worker", "staff")],
)
def test_only_the_staff_side_units_get_the_private_keyring(name, role):
    environment = unit_environment(read_unit(name))

    assert environment["PORTAL_ROLE"] == role
    assert environment["PORTAL_KEYRING"].endswith(".public") == (role == "public")


@pytest.mark.parametrize("name", ["portal-public", "portal-staff", "portal-worker"])
def test_units_that_write_media_may_write_media_root(name):
    media_root = read_example()[0]["MEDIA_ROOT"]

    writable = " ".join(read_unit(name)["ReadWritePaths"]).split()

    assert media_root in writable


def test_beat_may_write_its_schedule_file():
    service = read_unit("portal-beat")
    argv = shlex.split(service["ExecStart"][0])
    schedule = next(arg.split("=", 1)[1] for arg in argv if arg.startswith("--schedule="))

    assert str(Path(schedule).parent) in " ".join(service["ReadWritePaths"]).split()


CELERY_AFTER_SETUP = (
    "import sys, django; django.setup(); from celery.bin.celery import main; "
    "sys.argv = ['celery', *sys.argv[1:]]; main()"
)


def check_command(start, argv: list[str], env: dict[str, str]) -> Started:
    """Start what a unit or service starts, as far as it goes without serving: gunicorn loads the
    application (--check-config), celery loads the settings and parses its options (--help)."""
    program = Path(argv[0]).name
    if program == "gunicorn":
        return start([str(VENV_BIN / "gunicorn"), *argv[1:], "--check-config"], env)
    assert program == "celery", argv
    return start([sys.executable, "-c", CELERY_AFTER_SETUP, *argv[1:], "--help"], env)


def unit_command(name: str) -> list[str]:
    return shlex.split(read_unit(name)["ExecStart"][0].replace("%H", "host"))


@pytest.fixture(scope="module")
def unit_runs(started):
    return {
        name: check_command(started, unit_command(name), {**filled_example(), **unit_environment(read_unit(name))})
        for name in UNITS
    }


@pytest.mark.parametrize("name", UNITS)
def test_every_unit_starts_a_real_command_with_the_example(unit_runs, name):
    argv = unit_command(name)

    assert argv[0].startswith(INSTALLED_VENV_BIN)
    if name in ("portal-public", "portal-staff"):
        assert argv[:2] == [INSTALLED_VENV_BIN + "gunicorn", "portal.wsgi:application"]
    else:
        assert argv[:4] == [INSTALLED_VENV_BIN + "celery", "-A", "portal", name.removeprefix("portal-")]
    result = unit_runs[name].result()
    assert result.returncode == 0, result.stdout + result.stderr


# --- nginx -----------------------------------------------------------------------------------------


@dataclass
class Directive:
    name: str
    args: list[str]
    block: list["Directive"] | None = None
    parent: "Directive | None" = field(default=None, repr=False)

    def all(self, name):
        return [item for item in self.block or [] if item.name == name]

    def effective(self, name):
        """The directives `name` in force here, inherited the way nginx does: from the innermost
        level that has any."""
        level = self
        while level is not None:
            found = level.all(name)
            if found:
                return found
            level = level.parent
        return []


def parse_nginx(text: str) -> Directive:
    tokens = re.findall(r"""#[^\n]*|"(?:\\.|[^"\\])*"|'(?:\\.|[^'\\])*'|[{};]|[^\s{};"'#]+""", text)
    root = Directive("http", [], [])
    stack, words = [root], []
    for token in tokens:
        if token.startswith("#"):
            continue
        if token in ("{", ";"):
            item = Directive(words[0], words[1:], [] if token == "{" else None, stack[-1])
            stack[-1].block.append(item)
            if token == "{":
                stack.append(item)
            words = []
        elif token == "}":
            stack.pop()
        else:
            words.append(token[1:-1] if token[0] in "'\"" else token)
    assert len(stack) == 1 and not words, "unbalanced nginx configuration"
    return root


@pytest.fixture(scope="module")
def nginx():
    return parse_nginx((DEPLOY / "nginx" / "portal.conf").read_text(encoding="utf-8"))


def tls_server(conf: Directive, upstream: str) -> Directive:
    """The HTTPS server whose `location /` proxies to `upstream`."""
    for server in conf.all("server"):
        listens_tls = any("ssl" in listen.args for listen in server.all("listen"))
        if listens_tls and answer(resolve(server, "/")) == f"proxy {upstream}":
            return server
    raise AssertionError(f"no TLS server proxies / to {upstream}")


def resolve(server: Directive, uri: str) -> Directive:
    """The location nginx picks for `uri` (exact, then the longest prefix, ^~ stopping the regexes)."""
    locations = server.all("location")
    for location in locations:
        if location.args[:1] == ["="] and location.args[1] == uri:
            return location
    prefixes = [loc for loc in locations if len(loc.args) == 1 or loc.args[0] == "^~"]
    matching = [loc for loc in prefixes if uri.startswith(loc.args[-1])]
    longest = max(matching, key=lambda loc: len(loc.args[-1]), default=None)
    if longest is not None and longest.args[0] == "^~":
        return longest
    for location in locations:
        if location.args[0] in ("~", "~*"):
            flags = re.IGNORECASE if location.args[0] == "~*" else 0
            if re.search(location.args[1], uri, flags):
                return location
    assert longest is not None, f"no location for {uri}"
    return longest


def answer(location: Directive) -> str:
    """What nginx does there: 'proxy <upstream>', 'return <code>' or 'file <path>'."""
    if location.all("return"):
        return "return " + location.all("return")[0].args[0]
    if location.all("alias"):
        return "file " + location.all("alias")[0].args[0]
    return "proxy " + location.effective("proxy_pass")[0].args[0].removeprefix("http://")


@pytest.fixture(scope="module")
def servers(nginx):
    return {"public": tls_server(nginx, "portal_public"), "staff": tls_server(nginx, "portal_staff")}


def test_the_public_host_answers_the_admin_with_404_and_never_reaches_the_staff_tier(servers):
    public = servers["public"]

    for path in ("/admin/", "/admin/login/", "/admin/cases/1/"):
        assert answer(resolve(public, path)) == "return 404"
    assert not any("portal_staff" in d.args[0] for d in _walk(public) if d.name == "proxy_pass")
    assert answer(resolve(public, "/report/")) == "proxy portal_public"


def test_the_staff_host_serves_the_admin_to_the_intranet_only(servers):
    staff = servers["staff"]

    assert answer(resolve(staff, "/admin/")) == "proxy portal_staff"
    assert ["all"] in [d.args for d in staff.all("deny")]
    assert staff.all("allow")


def _walk(directive: Directive):
    for item in directive.block or []:
        yield item
        yield from _walk(item)


def _log_format(conf: Directive, name: str) -> str:
    for item in conf.all("log_format"):
        if item.args[0] == name:
            return "".join(item.args[1:])
    raise AssertionError(f"no log_format {name}")


# Variables that would put a reporter's address, or what they typed into a URL, into a log line.
IDENTIFYING = re.compile(
    r"\$(remote_addr|binary_remote_addr|realip_remote_addr|http_x_forwarded_for|proxy_add_x_forwarded_for"
    r"|request|request_uri|args|query_string|arg_\w+|request_body|http_user_agent|http_referer|http_cookie)\b"
)


@pytest.mark.parametrize(
    ("host", "path"), [("public", "/"), ("public", "/report/"), ("public", "/report/status/"), ("staff", "/report/")]
)
def test_report_requests_are_logged_without_the_client_address(nginx, servers, host, path):
    location = resolve(servers[host], path)

    access_logs = location.effective("access_log")
    assert access_logs, "no access_log here: nginx's default format logs the client address"
    for access_log in access_logs:
        if access_log.args == ["off"]:
            continue
        assert len(access_log.args) >= 2, "an access_log without a format uses 'combined', which logs addresses"
        assert not IDENTIFYING.search(_log_format(nginx, access_log.args[1]))
    if path.startswith("/report/"):
        # nginx's error lines always carry "client: <address>"; only critical ones are kept here.
        assert [d.args[-1] for d in location.effective("error_log")] == ["crit"]


def test_the_report_body_limit_lets_the_portal_answer_an_oversize_report_itself(servers):
    from reports.uploads import EvidenceMemoryUploadHandler

    total = int(read_example()[0]["PORTAL_EVIDENCE_MAX_TOTAL_BYTES"])
    with override_settings(PORTAL_EVIDENCE_MAX_TOTAL_BYTES=total):
        portal_cutoff = EvidenceMemoryUploadHandler().max_request_bytes

    for host in ("public", "staff"):
        size = resolve(servers[host], "/report/").effective("client_max_body_size")[0].args[0]
        limit = int(size.rstrip("mM")) * 1024 * 1024
        # Above the portal's cutoff (so its 413 page with the limit is what a reporter sees), but
        # not unbounded.
        assert portal_cutoff < limit <= portal_cutoff + 8 * 1024 * 1024, (host, size)


def test_proxied_requests_tell_django_they_came_over_https(production, servers):
    meta_name, value = production["proxy_ssl_header"]
    header = meta_name.removeprefix("HTTP_").replace("_", "-").lower()

    # nginx's $scheme is "https" on these servers, which listen with TLS only.
    assert value == "https"
    for server in servers.values():
        for location in server.all("location"):
            if not location.effective("proxy_pass"):
                continue
            headers = {d.args[0].lower(): d.args[1] for d in location.effective("proxy_set_header")}
            assert headers.get(header) == "$scheme", location.args
            assert headers.get("host") == "$host"
            # PORTAL_PROXY_COUNT=1 reads the address nginx appends, from the right.
            assert headers.get("x-forwarded-for") == "$proxy_add_x_forwarded_for"


@pytest.mark.parametrize("host", ["public", "staff"])
def test_only_image_renditions_and_static_files_are_served_from_disk(servers, host):
    active, _, _ = read_example()
    server = servers[host]

    assert answer(resolve(server, "/media/images/photo.jpg")) == f"file {active['MEDIA_ROOT']}/images/"
    assert answer(resolve(server, "/static/css/portal.css")) == f"file {active['STATIC_ROOT']}/"
    for path in ("/media/original_images/photo.jpg", "/media/documents/a.pdf", "/media/evidence/1", "/media/x"):
        assert answer(resolve(server, path)) == "return 404", path


def test_the_hosts_nginx_serves_are_the_hosts_django_allows(servers):
    active, _, _ = read_example()
    allowed = active["ALLOWED_HOSTS"].split(",")

    for server in servers.values():
        for name in server.all("server_name")[0].args:
            assert name in allowed
    assert urlsplit(active["WAGTAILADMIN_BASE_URL"]).hostname in servers["staff"].all("server_name")[0].args


@pytest.mark.parametrize("upstreams", ["upstreams.conf", "upstreams.compose.conf"])
def test_both_upstream_files_define_what_the_site_proxies_to(nginx, upstreams):
    defined = {
        u.args[0] for u in parse_nginx((DEPLOY / "nginx" / upstreams).read_text(encoding="utf-8")).all("upstream")
    }
    used = {d.args[0].removeprefix("http://") for d in _walk(nginx) if d.name == "proxy_pass"}

    assert used <= defined


# --- compose and the image -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def compose():
    return yaml.safe_load((DEPLOY / "compose.yaml").read_text(encoding="utf-8"))


def test_compose_runs_every_part_of_the_deployment(compose):
    services = compose["services"]

    assert set(services) >= COMPOSE_SERVICES
    for name in ("public", "staff", "worker", "beat"):
        assert services[name]["build"]["dockerfile"] == "deploy/Dockerfile"
        assert (DEPLOY / services[name]["build"]["context"] / "deploy" / "Dockerfile").is_file()
    assert services["public"]["command"][:2] == ["gunicorn", "portal.wsgi:application"]
    assert services["staff"]["command"][:2] == ["gunicorn", "portal.wsgi:application"]
    assert services["worker"]["command"][:4] == ["celery", "-A", "portal", "worker"]
    assert services["beat"]["command"][:4] == ["celery", "-A", "portal", "beat"]
    assert services["beat"].get("deploy", {}).get("replicas", 1) == 1


@pytest.mark.parametrize(
    ("name", "role"), [("public", "public"), ("beat", "public"), ("staff", "staff"), ("worker", "staff")]
)
def test_compose_gives_the_private_keyring_to_the_staff_side_only(compose, name, role):
    service = compose["services"][name]
    # "${PORTAL_CONFIG_DIR:-/etc/portal}/keys:/etc/portal/keys:ro" -> {"/etc/portal/keys": "/etc/portal/keys"}
    volumes = [re.sub(r"\$\{\w+:-([^}]*)\}", r"\1", volume).split(":") for volume in service["volumes"]]
    mounts = {target: source for source, target, *_ in volumes}

    assert service["environment"]["PORTAL_ROLE"] == role
    keyring = service["environment"]["PORTAL_KEYRING"]
    assert keyring.endswith(".public") == (role == "public")
    key_dir = mounts[str(Path(keyring).parent)]
    assert key_dir.endswith("/keys-public") == (role == "public")


def test_compose_nginx_uses_the_same_site_file(compose):
    volumes = compose["services"]["nginx"]["volumes"]

    assert "./nginx/portal.conf:/etc/nginx/conf.d/default.conf:ro" in volumes
    assert "./nginx/upstreams.compose.conf:/etc/nginx/portal-upstreams.conf:ro" in volumes


@pytest.mark.parametrize("name", ["public", "staff"])
def test_compose_gunicorn_options_are_valid(compose, name):
    from gunicorn.config import Config

    config = Config()
    parsed = config.parser().parse_args(compose["services"][name]["command"][1:])
    for key, value in vars(parsed).items():
        if key != "args" and value is not None:
            config.set(key.lower(), value)  # runs gunicorn's own validators

    assert parsed.args == ["portal.wsgi:application"]


def test_the_image_is_python_3_11_slim_with_the_locked_requirements():
    dockerfile = (DEPLOY / "Dockerfile").read_text(encoding="utf-8")
    ignored = (DEPLOY / "Dockerfile.dockerignore").read_text(encoding="utf-8").split()

    assert re.search(r"^FROM python:3\.11-slim AS app$", dockerfile, re.MULTILINE)
    assert re.search(r"COPY requirements/base\.txt (\S+)\n(?:.*\n)*?.*pip install -r \1", dockerfile)
    # The development keyring and database under var/ never reach an image.
    assert "var" in ignored


# --- docs/deployment.md ----------------------------------------------------------------------------

COMMAND = re.compile(r"(?:manage\.py|portal-manage|run --rm manage)\s+([a-z][a-z0-9_]*)")


def test_every_management_command_the_documentation_names_exists():
    named = set(COMMAND.findall(DOCS.read_text(encoding="utf-8")))

    assert {"migrate", "collectstatic", "reportkeys", "receiptkeys", "createsuperuser"} <= named
    assert not named - set(get_commands())


# Files the documentation tells the operator to create.
CREATED_BY_THE_OPERATOR = {"deploy/.env"}


def test_every_deploy_file_the_documentation_names_exists():
    named = set(re.findall(r"\bdeploy/[\w./*-]*[\w*]", DOCS.read_text(encoding="utf-8")))

    assert named
    assert not {path for path in named - CREATED_BY_THE_OPERATOR if not list(ROOT.glob(path))}


def test_every_portal_variable_the_documentation_names_is_read(production):
    named = set(re.findall(r"`(PORTAL_[A-Z0-9_]+)", DOCS.read_text(encoding="utf-8")))
    # The wrapper's and compose's own variables (paths, the user), read by those files.
    own = set()
    for path in (WRAPPER, DEPLOY / "compose.yaml"):
        own |= set(re.findall(r"\$\{(PORTAL_[A-Z0-9_]+)", path.read_text(encoding="utf-8")))

    assert not named - production["reads"] - own
