"""Feed benchmark: render time for a 1,000-entry feed per format, what a second publish with
no changes rewrites, and requests per second of the feed server for 304 vs 200 answers.

Run from the repository root:  .venv/bin/python bench/feeds.py [--seconds 5]
The load tool is Debian's wrk when installed (apt-get install wrk); otherwise a Python httpx
loop is used, and the table says which. Everything runs on 127.0.0.1 and stops by itself.
"""

from __future__ import annotations

import argparse
import functools
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import httpx

from feeds import sanitize
from feeds.publish import publish_feeds
from feeds.render import render_atom, render_json, render_rss
from feeds.serve import FeedServer
from feeds.store import ArticleStore, open_engine
from tests.feed_samples import T0, many_articles, sample_site, sample_spec

ENTRIES = 1000


def best_of(runs: int, work: Callable[[], object], before: Callable[[], None]) -> float:
    times = []
    for _ in range(runs):
        before()
        started = time.perf_counter()
        work()
        times.append(time.perf_counter() - started)
    return min(times)


def clear_caches() -> None:
    sanitize._sanitize_cached.cache_clear()
    sanitize.canonical_uri.cache_clear()


def render_times() -> list[tuple[str, str]]:
    articles = many_articles(ENTRIES)
    spec = sample_spec("en")
    rows = []
    for name, render in (("RSS 2.0", render_rss), ("Atom 1.0", render_atom),
                         ("JSON Feed 1.1", render_json)):
        size = len(render(spec, articles))
        # Cold: every body sanitised (first render of a pass); warm: bodies cached, as for
        # the second and later formats of the same articles within one publish.
        work = functools.partial(render, spec, articles)
        cold = best_of(3, work, clear_caches)
        warm = best_of(3, work, lambda: None)
        rows.append((f"render {name}, {ENTRIES} entries ({size // 1024} KB)",
                     f"{cold * 1000:.0f} ms cold, {warm * 1000:.0f} ms warm"))
    return rows


def publish_passes(root: Path) -> tuple[list[tuple[str, str]], Path]:
    store = ArticleStore(open_engine(root / "bench.sqlite"))
    for article in many_articles(ENTRIES // 2, "en") + many_articles(ENTRIES // 2, "ar"):
        store.upsert(article, T0 + timedelta(days=1))
    out = root / "public"
    site = sample_site("http://127.0.0.1:8080/")
    started = time.perf_counter()
    first = publish_feeds(store, site, out)
    first_ms = (time.perf_counter() - started) * 1000
    clear_caches()  # the second pass must not profit from the first one's work
    started = time.perf_counter()
    second = publish_feeds(store, site, out)
    second_ms = (time.perf_counter() - started) * 1000
    rows = [
        ("publish, first pass (50 items per feed)",
         f"{len(first.written)} files written in {first_ms:.0f} ms"),
        ("publish, second pass, nothing changed",
         f"{len(second.written)} files rewritten, {len(second.unchanged)} unchanged, "
         f"{second_ms:.0f} ms"),
    ]
    return rows, out


def load_wrk(url: str, headers: dict[str, str], seconds: int) -> tuple[float, str]:
    args = ["wrk", "-t2", "-c16", f"-d{seconds}s", "--latency"]
    for name, value in headers.items():
        args += ["-H", f"{name}: {value}"]
    done = subprocess.run([*args, url], capture_output=True, text=True, timeout=seconds + 30,
                          check=True)
    found = re.search(r"Requests/sec:\s+([\d.]+)", done.stdout)
    if found is None:
        raise RuntimeError("wrk printed no Requests/sec line:\n" + done.stdout)
    rps = float(found.group(1))
    bad = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", done.stdout)
    if bad:
        raise RuntimeError(f"wrk saw {bad.group(1)} error responses")
    return rps, "wrk -t2 -c16"


def load_httpx(url: str, headers: dict[str, str], seconds: int) -> tuple[float, str]:
    count = 0
    lock = threading.Lock()
    deadline = time.monotonic() + seconds

    def worker() -> None:
        nonlocal count
        done = 0
        with httpx.Client(headers=headers) as client:
            while time.monotonic() < deadline:
                response = client.get(url)
                if response.status_code not in (200, 304):
                    raise RuntimeError(f"status {response.status_code}")
                done += 1
        with lock:
            count += done

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return count / seconds, "python httpx, 8 threads"


NGINX_CONF = """worker_processes 1;
error_log {tmp}/error.log;
pid {tmp}/nginx.pid;
events {{ worker_connections 256; }}
http {{
    access_log off;
    client_body_temp_path {tmp}; proxy_temp_path {tmp}; fastcgi_temp_path {tmp};
    uwsgi_temp_path {tmp}; scgi_temp_path {tmp};
    types {{ application/rss+xml xml; }}
    server {{
        listen 127.0.0.1:{port};
        root {root};
        open_file_cache off;
        etag on;
        gzip on; gzip_types application/rss+xml; gzip_min_length 256; gzip_comp_level 6;
    }}
}}
"""


class Nginx:
    """Debian's nginx as a child process serving `root` on a free loopback port (one worker,
    the setup of docs/serving.md without TLS); None from __enter__ when it is not installed."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def __enter__(self) -> str | None:
        binary = shutil.which("nginx") or "/usr/sbin/nginx"
        if not Path(binary).exists():
            return None
        self._tmp = tempfile.TemporaryDirectory()
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        conf = Path(self._tmp.name, "nginx.conf")
        text = NGINX_CONF.format(tmp=self._tmp.name, port=port, root=self.root)
        if os.geteuid() == 0:  # else its worker drops to nobody, who cannot read a temp dir
            text = "user root;\n" + text
        conf.write_text(text)
        self._proc = subprocess.Popen([binary, "-c", str(conf), "-p", self._tmp.name,
                                       "-g", "daemon off;"], stderr=subprocess.DEVNULL)
        url = f"http://127.0.0.1:{port}/"
        for _ in range(100):
            try:
                httpx.get(url + "en/rss.xml")
                return url
            except httpx.TransportError:
                time.sleep(0.05)
        raise RuntimeError("nginx did not start")

    def __exit__(self, *exc: object) -> None:
        if hasattr(self, "_proc"):
            self._proc.terminate()
            self._proc.wait(10)
            self._tmp.cleanup()


def serve_rates(out: Path, seconds: int) -> list[tuple[str, str]]:
    rows = []
    with FeedServer(out) as server:
        rows += rates("built-in", server.url, seconds)
    with Nginx(out) as nginx_url:
        if nginx_url is None:
            rows.append(("nginx", "not installed (apt-get install nginx)"))
        else:
            rows += rates("nginx", nginx_url, seconds)
    return rows


def rates(name: str, base_url: str, seconds: int) -> list[tuple[str, str]]:
    load = load_wrk if shutil.which("wrk") else load_httpx
    rows = []
    url = base_url + "en/rss.xml"
    probe = httpx.get(url, headers={"Accept-Encoding": "identity"})
    etag = probe.headers["etag"]
    size = len(probe.content)
    cases = [
        (f"GET 200, full body ({size // 1024} KB, identity)",
         {"Accept-Encoding": "identity"}, 200),
        ("GET 200, gzip", {"Accept-Encoding": "gzip"}, 200),
        ("GET 304, If-None-Match", {"Accept-Encoding": "identity", "If-None-Match": etag},
         304),
    ]
    for label, headers, status in cases:
        assert httpx.get(url, headers=headers).status_code == status
        rps, tool = load(url, headers, seconds)
        rows.append((f"{name}: {label}", f"{rps:,.0f} req/s ({tool}, {seconds} s)"))
    if load is load_httpx:
        rows.append(("note", "wrk not installed (apt-get install wrk); used the httpx loop"))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=5, help="duration of each load run")
    options = parser.parse_args()
    rows: list[tuple[str, str]] = []
    with tempfile.TemporaryDirectory() as tmp:
        rows += render_times()
        publish_rows, out = publish_passes(Path(tmp))
        rows += publish_rows
        rows += serve_rates(out, options.seconds)
    width = max(len(name) for name, _ in rows)
    print(f"{'measure'.ljust(width)} | result")
    print(f"{'-' * width}-+-{'-' * 40}")
    for name, value in rows:
        print(f"{name.ljust(width)} | {value}")


if __name__ == "__main__":
    main()
