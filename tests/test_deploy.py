"""The deployment files, checked where no container runtime runs: the Dockerfile and compose
file parsed, the image's command line run as a script on this host, nginx's config served by a
real nginx (when installed), the systemd unit verified and kept identical to the README's."""

from __future__ import annotations

import fnmatch
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import tomllib
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
import yaml

from feeds.replica import ReplicaSite
from feeds.serve import CONTENT_TYPES
from tests.conftest import TEST_TOKEN as TOKEN
from tests.fakes.telegram import FakeTelegram
from tests.test_service import ROOT, free_port, runs_finished, wait_for

DOCKERFILE = ROOT / "Dockerfile"
COMPOSE = ROOT / "compose.yaml"
DOCKER_CONFIG = ROOT / "deploy" / "config.docker.toml"
NGINX_CONF = ROOT / "deploy" / "nginx.conf"
UNIT = ROOT / "deploy" / "feedbot.service"
DEPLOYMENT_DOC = ROOT / "docs" / "deployment.md"
# What differs per host, documented in one table in docs/deployment.md.
HOST_VARIABLES = {"FEEDBOT_TELEGRAM_TOKEN", "FEEDBOT_DATABASE_URL", "FEEDBOT_LISTEN",
                  "FEEDBOT_BASE_URL"}


# ---- Dockerfile ------------------------------------------------------------------------


def instructions(text: str) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) per Dockerfile instruction: continuations joined, comments
    and the parser directive dropped."""
    found: list[tuple[str, str]] = []
    pending = ""
    for raw in text.splitlines():
        line = raw.strip()
        if not pending and (not line or line.startswith("#")):
            continue
        if pending and line.startswith("#"):  # a comment inside a continuation is dropped
            continue
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        whole = pending + line
        pending = ""
        keyword, _, rest = whole.partition(" ")
        found.append((keyword.upper(), rest.strip()))
    return found


def final_stage() -> list[tuple[str, str]]:
    steps = instructions(DOCKERFILE.read_text())
    last_from = max(i for i, (keyword, _) in enumerate(steps) if keyword == "FROM")
    return steps[last_from:]


def only(stage: list[tuple[str, str]], keyword: str) -> str:
    [value] = [rest for k, rest in stage if k == keyword]
    return value


def env_of(stage: list[tuple[str, str]]) -> dict[str, str]:
    env: dict[str, str] = {}
    for keyword, rest in stage:
        if keyword == "ENV":
            env.update(item.split("=", 1) for item in rest.split())
    return env


def container_config() -> dict[str, Any]:
    return tomllib.loads(DOCKER_CONFIG.read_text())


def test_the_image_is_python_3_11_slim_and_runs_as_the_user_feedbot() -> None:
    steps = instructions(DOCKERFILE.read_text())
    images = [rest.split()[0] for keyword, rest in steps if keyword == "FROM"]
    assert images and all(image == "python:3.11-slim" for image in images)
    stage = final_stage()
    users = [rest for keyword, rest in stage if keyword == "USER"]
    assert users[-1] == "feedbot"
    assert any(k == "RUN" and "useradd" in rest and rest.rstrip().endswith(" feedbot")
               for k, rest in stage)
    keywords = [k for k, _ in stage]
    assert keywords.index("USER") < keywords.index("CMD") < len(keywords)
    assert only(stage, "WORKDIR") == "/app"


def test_the_image_installs_the_postgres_extra_and_keeps_data_and_feeds_in_volumes() -> None:
    steps = instructions(DOCKERFILE.read_text())
    assert any(k == "RUN" and "pip install '.[postgres]'" in rest for k, rest in steps)
    stage = final_stage()
    assert env_of(stage)["FEEDBOT_LISTEN"] == "0.0.0.0:8080"
    assert only(stage, "EXPOSE") == "8080"
    volumes = json.loads(only(stage, "VOLUME"))
    config = container_config()
    # The volumes are where the container's config puts the database and the feeds.
    assert set(volumes) == {str(Path(config["database"]).parent), config["feeds"]["output_dir"]}
    assert config["feeds"]["listen"] == env_of(stage)["FEEDBOT_LISTEN"]


def test_the_image_runs_feedbot_run_and_its_healthcheck_asks_the_same_config() -> None:
    stage = final_stage()
    command = json.loads(only(stage, "CMD"))
    assert command == ["feedbot", "run", "--config", "/etc/feedbot/config.toml", "--upgrade"]
    health = only(stage, "HEALTHCHECK")
    options, _, probe = health.partition("CMD ")
    assert "--start-period=" in options
    probe_command = json.loads(probe)
    assert probe_command[:2] == ["feedbot", "healthcheck"]
    assert probe_command[probe_command.index("--config") + 1] == "/etc/feedbot/config.toml"
    assert any(k == "COPY" and rest.split() == ["deploy/config.docker.toml",
                                                "/etc/feedbot/config.toml"] for k, rest in stage)
    assert only(stage, "STOPSIGNAL") == "SIGTERM"


def test_the_container_config_is_valid_and_keeps_the_token_out() -> None:
    result = subprocess.run([sys.executable, "-m", "bot", "config", "check", "--config",
                             str(DOCKER_CONFIG)], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0 and result.stdout.startswith(f"{DOCKER_CONFIG}: ok")
    assert "warning" not in result.stdout + result.stderr
    assert container_config()["telegram"]["token_env"] == "FEEDBOT_TELEGRAM_TOKEN"
    assert not re.search(r"\d{6,}:[\w-]{30,}", DOCKER_CONFIG.read_text())


# ---- the build context -----------------------------------------------------------------


def in_build_context(path: str) -> bool:
    """Whether .dockerignore lets `path` into the build context: the last matching rule wins,
    a rule on a directory covers what is under it (Docker's semantics, `**` as fnmatch's *)."""
    rules = [line.strip() for line in (ROOT / ".dockerignore").read_text().splitlines()
             if line.strip() and not line.startswith("#")]
    parts = path.split("/")
    candidates = ["/".join(parts[:i]) for i in range(1, len(parts) + 1)]
    included = True
    for rule in rules:
        negated = rule.startswith("!")
        pattern = rule.lstrip("!").rstrip("/")
        if any(fnmatch.fnmatchcase(c, pattern) for c in candidates):
            included = negated
    return included


def test_the_build_context_holds_the_package_and_nothing_secret() -> None:
    copied = [rest.split()[:-1] for k, rest in instructions(DOCKERFILE.read_text())
              if k == "COPY" and "--from" not in rest]
    for source in (s for sources in copied for s in sources):
        assert in_build_context(source.rstrip("/")), source
    for path in ("pyproject.toml", "README.md", "bot/cli.py", "feeds/templates/index.html",
                 "feeds/replica/content/" + next(
                     p.name for p in (ROOT / "feeds/replica/content").iterdir()),
                 "deploy/config.docker.toml"):
        assert in_build_context(path), path
    for path in (".env", "secrets/telegram.env", ".git/config", ".venv/bin/python",
                 "data/feedbot.sqlite", "feeds/data/x.sqlite-wal", "config.toml",
                 "bot/__pycache__/cli.cpython-311.pyc", "tests/test_deploy.py"):
        assert not in_build_context(path), path


# ---- compose.yaml ----------------------------------------------------------------------


def compose() -> dict[str, Any]:
    data = yaml.safe_load(COMPOSE.read_text())
    assert isinstance(data, dict)
    return data


def named_volumes(service: dict[str, Any]) -> dict[str, str]:
    """Named volume -> "target[:ro]" for one service (bind mounts are left out)."""
    found = {}
    for entry in service.get("volumes", []):
        source, target = entry.split(":", 1)
        if not source.startswith((".", "/")):
            found[source] = target
    return found


def test_compose_runs_feedbot_postgres_and_nginx_with_declared_volumes() -> None:
    data = compose()
    services = data["services"]
    assert set(services) == {"feedbot", "db", "web"}
    used = {name for s in services.values() for name in named_volumes(s)}
    assert used == set(data["volumes"]) == {"feedbot-data", "feeds", "pgdata"}
    for service in services.values():
        for entry in service.get("volumes", []):
            source = entry.split(":", 1)[0]
            if source.startswith("."):
                assert (ROOT / source).is_file(), f"bind mount of a missing file: {entry}"


def test_compose_feedbot_waits_for_a_healthy_postgres_and_is_configured_by_environment() -> None:
    services = compose()["services"]
    feedbot, db = services["feedbot"], services["db"]
    assert feedbot["build"] == "."
    assert feedbot["depends_on"]["db"]["condition"] == "service_healthy"
    assert db["image"] == "postgres:15"
    assert "pg_isready" in " ".join(db["healthcheck"]["test"])
    assert named_volumes(db) == {"pgdata": "/var/lib/postgresql/data"}
    env = feedbot["environment"]
    assert set(env) >= HOST_VARIABLES
    url = urlsplit(env["FEEDBOT_DATABASE_URL"])
    assert (url.scheme, url.hostname, url.password) == ("postgresql+psycopg", "db", None)
    assert url.username == db["environment"]["POSTGRES_USER"]
    assert url.path == "/" + db["environment"]["POSTGRES_DB"]
    assert env["FEEDBOT_LISTEN"] == "0.0.0.0:8080"
    assert "ports" not in feedbot  # the feed server, /healthz and /metrics stay inside
    # The config the image's command names is the one compose mounts.
    assert "./deploy/config.docker.toml:/etc/feedbot/config.toml:ro" in feedbot["volumes"]
    assert named_volumes(feedbot)["feeds"] == container_config()["feeds"]["output_dir"]


def test_compose_web_serves_the_feeds_volume_read_only_with_the_deploy_nginx_config() -> None:
    web = compose()["services"]["web"]
    assert web["image"] == "nginx:stable"
    root = re.search(r"^\s*root\s+(\S+);", NGINX_CONF.read_text(), re.M)
    assert root is not None
    assert named_volumes(web) == {"feeds": f"{root.group(1)}:ro"}
    assert "./deploy/nginx.conf:/etc/nginx/conf.d/default.conf:ro" in web["volumes"]


def test_compose_holds_no_secret_value() -> None:
    text = COMPOSE.read_text()
    assert not re.search(r"\d{6,}:[\w-]{30,}", text)  # a Telegram token
    secret = re.compile(r"TOKEN|PASSWORD|SECRET|PGPASS", re.I)
    for name, service in compose()["services"].items():
        for key, value in service.get("environment", {}).items():
            if secret.search(key):
                # Only a reference: compose fills it from .env, which is never committed.
                assert re.fullmatch(r"\$\{\w+(:\?[^}]*)?\}", str(value)), (name, key, value)
        for value in service.get("environment", {}).values():
            assert urlsplit(str(value)).password is None, (name, value)
    # The example of .env has the keys, never values for the secrets.
    example = dict(line.split("=", 1) for line in
                   (ROOT / "deploy" / "compose.env.example").read_text().splitlines()
                   if line and not line.startswith("#"))
    assert example["FEEDBOT_TELEGRAM_TOKEN"] == "" and example["POSTGRES_PASSWORD"] == ""
    ignored = (ROOT / ".gitignore").read_text().splitlines()
    assert "/.env" in ignored and not in_build_context(".env")


def test_the_deployment_doc_has_one_table_naming_each_host_variable() -> None:
    text = DEPLOYMENT_DOC.read_text()
    rows = re.findall(r"(?m)^\| `(FEEDBOT_\w+)`", text)
    documented = set(rows)
    assert documented == HOST_VARIABLES
    assert len(rows) == len(HOST_VARIABLES)
    feedbot_env = {k for k in compose()["services"]["feedbot"]["environment"]
                   if k.startswith("FEEDBOT_")}
    assert feedbot_env <= documented
    assert "[docs/deployment.md](docs/deployment.md)" in (ROOT / "README.md").read_text()


# ---- nginx -----------------------------------------------------------------------------


def nginx_types() -> dict[str, str]:
    """File name pattern -> the content type deploy/nginx.conf gives it."""
    return dict(re.findall(r'location ~ (\S+) \{[^}]*\}\s*types \{ \} default_type "([^"]+)"',
                           NGINX_CONF.read_text()))


def test_nginx_gives_the_feeds_the_types_of_the_built_in_server_and_a_cache_header() -> None:
    types = nginx_types()
    for name in ("rss.xml", "atom.xml", "feed.json", "feeds.opml", "ar/campaigns/rss.xml"):
        [media_type] = [t for pattern, t in types.items() if re.search(pattern, name)]
        suffix = next(s for s in CONTENT_TYPES if name.endswith(s))
        assert media_type == CONTENT_TYPES[suffix], name
    assert 'add_header Cache-Control "public, max-age=1800" always;' in NGINX_CONF.read_text()


NGINX = shutil.which("nginx") or next(
    (p for p in ("/usr/sbin/nginx",) if os.access(p, os.X_OK)), None)


@pytest.mark.skipif(NGINX is None, reason="nginx is not installed (Debian package nginx)")
def test_nginx_serves_published_feeds_with_their_types_etags_and_no_dot_files(
        tmp_path: Path, request: pytest.FixtureRequest) -> None:
    assert NGINX is not None
    # Workers run as another user than a root master (nobody), as nginx's image does (nginx):
    # the feeds must be readable with the modes the publisher gives (0755 dirs, 0644 files),
    # so they live outside pytest's private (0700) temporary directory.
    feeds = Path(tempfile.mkdtemp(prefix="feedbot-nginx-"))
    feeds.chmod(0o755)
    request.addfinalizer(lambda: shutil.rmtree(feeds))
    (feeds / "en").mkdir()
    (feeds / "en" / "rss.xml").write_text("<rss/>")
    (feeds / "en" / "feed.json").write_text("{}")
    (feeds / "feeds.opml").write_text("<opml/>")
    (feeds / "index.html").write_text("<html></html>")
    (feeds / "en" / ".rss.xml.x.tmp").write_text("half")
    port = free_port()
    server = NGINX_CONF.read_text().replace("listen 80;", f"listen 127.0.0.1:{port};") \
        .replace("listen [::]:80;", "").replace("root  /srv/feeds;", f"root {feeds};")
    (tmp_path / "default.conf").write_text(server)
    (tmp_path / "nginx.conf").write_text(f"""
daemon off;
pid {tmp_path}/nginx.pid;
error_log {tmp_path}/error.log;
events {{}}
http {{
    include /etc/nginx/mime.types;
    access_log off;
    client_body_temp_path {tmp_path}/body;
    proxy_temp_path {tmp_path}/proxy;
    fastcgi_temp_path {tmp_path}/fastcgi;
    uwsgi_temp_path {tmp_path}/uwsgi;
    scgi_temp_path {tmp_path}/scgi;
    include {tmp_path}/default.conf;
}}
""")
    check = subprocess.run([NGINX, "-t", "-c", str(tmp_path / "nginx.conf")],
                           capture_output=True, text=True)
    assert check.returncode == 0, check.stderr
    process = subprocess.Popen([NGINX, "-c", str(tmp_path / "nginx.conf")],
                               stderr=subprocess.PIPE, text=True)
    try:
        base = f"http://127.0.0.1:{port}"
        wait_for(lambda: _answers(base), timeout=10, what="nginx")
        for path, suffix in (("/en/rss.xml", "rss.xml"), ("/en/feed.json", "feed.json"),
                             ("/feeds.opml", ".opml"), ("/", ".html")):
            response = httpx.get(base + path)
            assert response.status_code == 200, path
            assert response.headers["content-type"].replace(" ", "") \
                == CONTENT_TYPES[suffix].replace(" ", ""), path
            assert response.headers["cache-control"] == "public, max-age=1800"
        etag = httpx.get(base + "/en/rss.xml").headers["etag"]
        assert httpx.get(base + "/en/rss.xml", headers={"If-None-Match": etag}) \
            .status_code == 304
        assert httpx.get(base + "/en/.rss.xml.x.tmp").status_code == 404
        assert httpx.post(base + "/en/rss.xml").status_code == 403
    finally:
        process.terminate()
        process.communicate(timeout=10)


def _answers(base: str) -> bool:
    try:
        httpx.get(base + "/")
    except httpx.TransportError:
        return False
    return True


# ---- systemd ---------------------------------------------------------------------------


def readme_unit() -> str:
    match = re.search(r"^### systemd\n.*?^```ini\n(.*?)^```", (ROOT / "README.md").read_text(),
                      re.S | re.M)
    assert match is not None
    return match.group(1)


def test_the_unit_file_is_the_readme_unit() -> None:
    assert UNIT.read_text() == readme_unit()


def test_the_unit_has_no_comment_after_a_value() -> None:
    # systemd reads "KEY=value  # note" as the value "value  # note": an EnvironmentFile of
    # that name does not exist and the unit fails to start.
    for line in UNIT.read_text().splitlines():
        if "=" in line and not line.lstrip().startswith(("#", ";")):
            assert "#" not in line.split("=", 1)[1], line


@pytest.mark.skipif(shutil.which("systemd-analyze") is None,
                    reason="systemd-analyze is not installed")
def test_systemd_analyze_verifies_the_unit(tmp_path: Path) -> None:
    # verify insists that ExecStart's program exists: point it at this environment's feedbot.
    feedbot = Path(sys.executable).parent / "feedbot"
    text = UNIT.read_text()
    assert "ExecStart=/opt/feedbot/.venv/bin/feedbot run --config " in text
    unit = tmp_path / "feedbot.service"
    unit.write_text(text.replace("/opt/feedbot/.venv/bin/feedbot", str(feedbot)))
    result = subprocess.run(["systemd-analyze", "verify", str(unit)], capture_output=True,
                            text=True, timeout=60)
    assert (result.returncode, result.stdout + result.stderr) == (0, "")


# ---- the image's command line, run on this host ------------------------------------------


def run_accepts(option: str, env: dict[str, str]) -> bool:
    help_text = subprocess.run(["feedbot", "run", "--help"], env=env, capture_output=True,
                               text=True).stdout
    return option in help_text


def test_the_image_commands_run_the_service_and_its_healthcheck_outside_a_container(
        tmp_path: Path, site: ReplicaSite) -> None:
    """What `docker run` would do, with each container path under a temporary root: the config
    copied to /etc/feedbot, the volumes /var/lib/feedbot and /srv/feeds, the image's ENV, its
    CMD started from WORKDIR, its HEALTHCHECK asked, its STOPSIGNAL sent."""
    stage = final_stage()
    rootfs = tmp_path / "rootfs"

    def on_host(path: str) -> str:
        return str(rootfs / path.lstrip("/"))

    port = free_port()
    config_path = Path(on_host("/etc/feedbot/config.toml"))
    config_path.parent.mkdir(parents=True)
    text = DOCKER_CONFIG.read_text()
    for container_path in ("/var/lib/feedbot", "/srv/feeds"):
        text = text.replace(f'"{container_path}', f'"{on_host(container_path)}')
    # The replica instead of alqst.org; the fake Bot API; a free port instead of 8080.
    replica = (f'url = "{site.base_url}/"\nschedule = "every 2s"\n[sources.listings]\n'
               f'en = "{site.listing_url("en")}"\nar = "{site.listing_url("ar")}"\n')
    text, sources = re.subn(r'(?ms)^url = "https://alqst.org/".*?^ar = "[^"]+"\n', replica,
                            text)
    # No politeness delay towards the replica: the config's 1 s per request is for real sites.
    text, fetches = re.subn(r'(?m)^\[\[sources\]\]$', '[fetch]\nper_host_delay_seconds = 0\n\n'
                            '[[sources]]', text)
    text, listens = re.subn(r'(?m)^listen = .*$', f'listen = "0.0.0.0:{port}"', text)
    assert (sources, fetches, listens) == (1, 1, 1)
    assert '"/var/lib' not in text and '"/srv' not in text
    with FakeTelegram(TOKEN, chats=["@alqst_en", "@alqst_ar"]) as telegram:
        text = text.replace("[telegram]\n", f'[telegram]\napi_base_url = "{telegram.url}"\n')
        config_path.write_text(text)
        for volume in json.loads(only(stage, "VOLUME")):
            Path(on_host(volume)).mkdir(parents=True)
        workdir = Path(on_host(only(stage, "WORKDIR")))
        workdir.mkdir(parents=True)

        image_env = env_of(stage)
        env = {k: v for k, v in os.environ.items() if not k.startswith("FEEDBOT_")}
        # PATH=/opt/feedbot/bin:$PATH: the image's virtual environment is this one.
        env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
        env.update({k: v for k, v in image_env.items() if k != "PATH"})
        # As `docker run -e` would: this host's port and public URL, and the token.
        env.update(FEEDBOT_LISTEN=f"0.0.0.0:{port}", FEEDBOT_BASE_URL=f"http://127.0.0.1:{port}/",
                   FEEDBOT_TELEGRAM_TOKEN=TOKEN)

        def container_command(instruction: str) -> list[str]:
            return [on_host(arg) if arg.startswith("/etc/feedbot/") else arg
                    for arg in instruction]

        command = container_command(json.loads(only(stage, "CMD")))
        if not run_accepts("--upgrade", env):  # until the migrations work lands
            command.remove("--upgrade")
        probe = container_command(json.loads(only(stage, "HEALTHCHECK").partition("CMD ")[2]))
        process = subprocess.Popen(command, cwd=workdir, env=env, stdout=subprocess.PIPE,
                                   stderr=subprocess.STDOUT, text=True)
        try:
            database = Path(on_host(container_config()["database"]))
            wait_for(lambda: runs_finished(database) >= 1 or process.poll() is not None,
                     what="the first run")
            assert process.poll() is None, process.communicate()[0]
            post = site.publish(lang="en", title="Defender released",
                                paragraphs=["A human-rights defender was released today."])
            wait_for(lambda: telegram.sent("@alqst_en"), what="the post")
            healthy = subprocess.run(probe, cwd=workdir, env=env, capture_output=True,
                                     text=True, timeout=30)
            feeds = Path(on_host(container_config()["feeds"]["output_dir"]))
            rss = (feeds / "en" / "rss.xml").read_text()
            process.send_signal(getattr(signal, only(stage, "STOPSIGNAL")))
            output, _ = process.communicate(timeout=10)  # docker stop's default grace
        finally:
            if process.poll() is None:
                process.kill()
                process.communicate()
        assert process.returncode == 0, output
        assert (healthy.returncode, healthy.stdout) == (0, f"ok: http://127.0.0.1:{port}/healthz\n")
        assert post.url in rss
        assert list(workdir.iterdir()) == []  # WORKDIR stays empty: everything is in volumes
        after = subprocess.run(probe, cwd=workdir, env=env, capture_output=True, text=True,
                               timeout=30)
        assert after.returncode == 1 and after.stdout.startswith("unreachable: ")
        assert TOKEN not in output

