"""The web pages under load: the dashboard and a request's page, 20 users at once (issue 15).

The target: on a log of 1,000,000 requests, the dashboard (今日待办) and a request's page
answer in under 300 ms at the 95th percentile with 20 concurrent users on loopback. This
script

1. builds (once, cached under ``bench/out/``, shared with ``bench_report.py``) a SQLite
   log of N requests over 2021 and 2022 through the one gate (``import_lines``: every step
   recorded by its desk command), brings its schema up to date and adds a ``head`` user
   serving every agency;
2. starts, for the baseline, a trivial Starlette page on the same stack (uvicorn, one
   process, a synchronous endpoint run in the thread pool, the same session middleware),
   then ``ledger serve --workers N`` on the log (real uvicorn on a free loopback port,
   "today" pinned to 2023-02-01), once per N of ``--workers`` (``1,2``: one process,
   then two, in the same run);
3. runs U users at once, each a thread with its own keep-alive connection that signs in
   (GET the form, POST the password and token, keep the session cookie) and then opens
   the page R times, for the baseline, the dashboard, the government view and request
   pages (each user going through different requests of the log), after one uncounted
   page;
4. prints first what each page costs the server alone (in this process, through
   Starlette's TestClient, one page at a time), then, per page under load, p50, p95 and
   p99 latency and the rate, and each page's p50 and p95 as a ratio of the baseline's
   from the same run; then (unless ``--no-counts``), in this process, the dashboard's
   counts as the database makes them against building every row in Python.

The load is bounded (U × R requests per page, and ``--max-seconds`` per page) and goes
to 127.0.0.1 only. Nothing is asserted: the figures are printed for a person to read.

    .venv/bin/python bench/bench_web.py                        # 10,000 requests, 20 users
    .venv/bin/python bench/bench_web.py --requests 100000 --rounds 50
    .venv/bin/python bench/bench_web.py --requests 100000 --rounds 30 --workers 1,2
    .venv/bin/python bench/bench_web.py --requests 1000000     # the acceptance (hours to build)

Building the log takes about 5 s per 1,000 requests on an idle 2-core machine (once).
"""

from __future__ import annotations

import argparse
import http.client
import os
import random
import re
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

from bench_report import Plan, cached
from ledger import accounts
from ledger.bootstrap import bootstrap, init_database

ROOT = Path(__file__).resolve().parent.parent
USER, PASSWORD = "bench", "bench password, loopback only"
SECRET = "bench-session-key"
TARGET_MS = 300.0
COOKIE = re.compile(r"ledger_session=([^;]*)")
TOKEN = re.compile(r'name="csrf" value="([^"]+)"')


# --- the books and the servers ----------------------------------------------------------


def prepare(plan: Plan, rebuild: bool) -> Path:
    """The cached log, at this ledger's schema, with the bench user (added once)."""
    path = cached(plan, rebuild)
    url = f"sqlite:///{path}"
    init_database(url)
    app = bootstrap(url, actor="bench")
    try:
        if accounts.find_user(app.db, USER) is None:
            accounts.add_user(app.db, USER, PASSWORD, "head", ("*",))
    finally:
        app.close()
    return path


def counts_in_process(path: Path, today: str, reps: int = 5) -> list[str]:
    """The dashboard's and government view's counts, in this process, the way the pages
    count now (the database counts over ``request_view``'s indexes: ``open_counts``,
    ``received_counts``) against building a row per request in Python and folding each
    paused one's stream (what the pages did before), median of ``reps`` calls each."""
    from datetime import date

    from ledger.commands.requests import load
    from ledger.dates import FixedClock
    from ledger.projections.queries import (
        RequestFilter,
        list_requests,
        open_counts,
        received_counts,
    )

    day = date.fromisoformat(today)
    app = bootstrap(f"sqlite:///{path}", ensure=False, clock=FixedClock(day))
    try:
        agencies = sorted({r[0] for r in app.db.fetch("SELECT DISTINCT agency FROM request_view")})

        def by_rows() -> object:
            rows = list_requests(app, RequestFilter(only_open=True))
            desk = app.office()
            return [load(desk, r.id) for r in rows if r.status == "paused"], len(rows)

        def received_by_rows() -> object:
            return len(list_requests(app, RequestFilter(received_in=day.year - 1)))

        timed = [
            ("open counts: database (open_counts)", lambda: open_counts(app, None, (3, 5))),
            ("open counts: every open row built, paused folded", by_rows),
            ("received in a year: database (received_counts)",
             lambda: received_counts(app, day.year - 1, agencies)),
            ("received in a year: every row built", received_by_rows),
        ]  # fmt: skip
        lines, base = [], 0.0
        for i, (name, run) in enumerate(timed):
            run()  # warm: the first call catches the projection up
            ms = statistics.median(_seconds(run) for _ in range(reps)) * 1000
            if i % 2 == 0:
                base = ms
                lines.append(f"  {name:<52} {ms:9.2f} ms")
            else:
                lines.append(f"  {name:<52} {ms:9.2f} ms   ({ms / base:,.0f}x the database's)")
        return lines
    finally:
        app.close()


def pages_in_process(path: Path, today: str, ids: list[str], reps: int = 7) -> list[str]:
    """What one page costs the server alone: each page opened ``reps`` times in this
    process through Starlette's TestClient (no network, no other user), signed in as the
    bench user, median after one uncounted page; the request pages go through ``ids``."""
    from datetime import date

    from starlette.testclient import TestClient

    from ledger.dates import FixedClock
    from ledger.web import create_app

    app = bootstrap(f"sqlite:///{path}", ensure=False, clock=FixedClock(date.fromisoformat(today)))
    lines = []
    try:
        with TestClient(create_app(app, secret=SECRET, lang="zh")) as client:
            token = TOKEN.search(client.get("/login").text)
            assert token is not None
            form = {"csrf": token.group(1), "username": USER, "password": PASSWORD}
            client.post("/login", data=form, follow_redirects=False)
            for name, path_of in (
                ("dashboard /today", lambda n: "/today"),
                ("government /government", lambda n: "/government"),
                ("request page /requests/ID", lambda n: f"/requests/{ids[n % len(ids)]}"),
            ):
                client.get(path_of(0))
                urls = [path_of(n + 1) for n in range(reps)]
                times = [_seconds(partial(client.get, url)) for url in urls]
                size = len(client.get(path_of(0)).content)
                lines.append(f"  {name:<38} {statistics.median(times) * 1000:8.2f} ms  "
                             f"({size:,} bytes)")  # fmt: skip
    finally:
        app.close()
    return lines


def _seconds(run: Callable[[], object]) -> float:
    started = time.perf_counter()
    run()
    return time.perf_counter() - started


def request_ids(path: Path, count: int, seed: int = 7) -> list[str]:
    """Request ids spread over the log, for the users to open one after another."""
    with sqlite3.connect(path) as conn:
        total = conn.execute("SELECT count(*) FROM request_view").fetchone()[0]
        offsets = sorted(random.Random(seed).sample(range(total), min(count, total)))
        return [
            conn.execute("SELECT request_id FROM request_view LIMIT 1 OFFSET ?", (o,)).fetchone()[0]
            for o in offsets
        ]


def free_port() -> int:
    """A loopback port nothing listens on now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class Server:
    """A server process on a loopback port, stopped by :meth:`stop`."""

    process: subprocess.Popen[bytes]
    port: int
    log: Path

    def wait_up(self, path: str, seconds: float = 120.0) -> None:
        """Return once ``path`` answers; raise with the log if the process ended."""
        deadline = time.monotonic() + seconds
        while True:
            if self.process.poll() is not None:
                raise SystemExit(f"server exited: {self.log.read_text(errors='replace')[-2000:]}")
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
                conn.request("GET", path)
                conn.getresponse().read()
                conn.close()
                return
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.3)

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=30)


def start(args: list[str], env: dict[str, str], log: Path, port: int) -> Server:
    """A server process with its output in ``log``."""
    with log.open("wb") as out:
        proc = subprocess.Popen(args, env=env, stdout=out, stderr=subprocess.STDOUT, cwd=ROOT)
    return Server(proc, port, log)


def start_ledger(path: Path, today: str, work: Path, workers: int) -> Server:
    """``ledger serve --workers N`` on the books, as a person starts it."""
    port = free_port()
    env = {**os.environ, "LEDGER_DB": f"sqlite:///{path}", "LEDGER_TODAY": today,
           "LEDGER_WEB_SECRET": SECRET, "LEDGER_LANG": "zh", "HOME": str(work)}  # fmt: skip
    env.pop("LEDGER_CONFIG", None)
    ledger = Path(sys.executable).with_name("ledger")
    args = [str(ledger), "serve", "--host", "127.0.0.1", "--port", str(port),
            "--workers", str(workers)]  # fmt: skip
    return start(args, env, work / f"ledger-serve-{workers}.log", port)


def start_baseline(work: Path) -> Server:
    """The trivial page on the same stack, in its own process."""
    port = free_port()
    args = [sys.executable, __file__, "--serve-baseline", str(port)]
    return start(args, dict(os.environ), work / "baseline.log", port)


def serve_baseline(port: int) -> None:
    """A Starlette app of one synchronous page behind the same session middleware, served
    by uvicorn with the options ``ledger serve`` uses: what the stack alone costs."""
    import uvicorn
    from starlette.applications import Starlette
    from starlette.middleware import Middleware
    from starlette.middleware.sessions import SessionMiddleware
    from starlette.requests import Request
    from starlette.responses import HTMLResponse
    from starlette.routing import Route

    def page(request: Request) -> HTMLResponse:
        request.session.setdefault("csrf", "baseline")
        return HTMLResponse("<!DOCTYPE html><title>ok</title><p>ok</p>")

    app = Starlette(
        routes=[Route("/", page)],
        middleware=[Middleware(SessionMiddleware, secret_key=SECRET)],
    )
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning",
                proxy_headers=True, server_header=False)  # fmt: skip


# --- the users --------------------------------------------------------------------------


@dataclass
class Person:
    """One user at a browser: a keep-alive connection and the session cookie."""

    port: int
    cookie: str = ""
    conn: http.client.HTTPConnection = field(init=False)

    def __post_init__(self) -> None:
        self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)

    def call(self, method: str, path: str, body: str = "") -> tuple[int, str]:
        """One request; the session cookie kept and renewed as a browser does."""
        headers = {"Cookie": f"ledger_session={self.cookie}"} if self.cookie else {}
        if body:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            self.conn.request(method, path, body=body or None, headers=headers)
            answer = self.conn.getresponse()
        except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
            # the server closed an idle keep-alive connection: open a new one, as a browser does
            self.conn.close()
            self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
            self.conn.request(method, path, body=body or None, headers=headers)
            answer = self.conn.getresponse()
        text = answer.read().decode("utf-8", "replace")
        found = COOKIE.search(answer.getheader("set-cookie") or "")
        if found:
            self.cookie = found.group(1)
        return answer.status, text

    def sign_in(self) -> None:
        """The sign-in form, then the password with its token."""
        _, form = self.call("GET", "/login")
        token = TOKEN.search(form)
        assert token is not None, "no token on the sign-in page"
        body = urllib.parse.urlencode(
            {"csrf": token.group(1), "username": USER, "password": PASSWORD, "next": "/today"}
        )
        status, _ = self.call("POST", "/login", body)
        if status != 303:
            raise SystemExit(f"sign-in refused: HTTP {status}")


def load(
    port: int, users: int, rounds: int, max_seconds: float, paths: Callable[[int, int], str],
    sign_in: bool,
) -> tuple[list[float], float, int]:  # fmt: skip
    """U users at once, each opening ``paths(user, round)`` R times after one uncounted
    page; returns the latencies (ms), the wall time of the counted part, and errors."""
    people = [Person(port) for _ in range(users)]
    if sign_in:
        for person in people:
            person.sign_in()
    people[0].call("GET", paths(0, 0))  # one uncounted first page: caches warm
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    start_line = threading.Barrier(users + 1)
    stop_at = [0.0]

    def run(i: int) -> None:
        mine = []
        person = people[i]
        start_line.wait()
        for r in range(1, rounds + 1):
            if time.monotonic() > stop_at[0]:
                break
            began = time.perf_counter()
            status, _ = person.call("GET", paths(i, r))
            mine.append((time.perf_counter() - began) * 1000)
            if status != 200:
                with lock:
                    errors[0] += 1
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(users)]
    for t in threads:
        t.start()
    stop_at[0] = time.monotonic() + max_seconds
    began = time.perf_counter()
    start_line.wait()
    for t in threads:
        t.join()
    wall = time.perf_counter() - began
    for person in people:
        person.conn.close()
    return latencies, wall, errors[0]


@dataclass(frozen=True)
class Figures:
    """One page's latencies under load."""

    name: str
    latencies: list[float]
    wall: float
    errors: int

    def pct(self, q: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))]

    @property
    def p50(self) -> float:
        return statistics.median(self.latencies)

    def line(self, base: Figures | None) -> str:
        rate = len(self.latencies) / self.wall
        text = (f"  {self.name:<38} n={len(self.latencies):>5}  p50 {self.p50:7.1f} ms  "
                f"p95 {self.pct(0.95):7.1f} ms  p99 {self.pct(0.99):7.1f} ms  "
                f"{rate:7.1f} pages/s")  # fmt: skip
        if self.errors:
            text += f"  ({self.errors} not 200)"
        if base is not None:
            text += (f"   / baseline: p50 {self.p50 / base.p50:5.1f}x  "
                     f"p95 {self.pct(0.95) / base.pct(0.95):5.1f}x")  # fmt: skip
        return text


def pages_under_load(
    port: int, args: argparse.Namespace, dashboards: int, ids: list[str], workers: int
) -> list[Figures]:
    """The dashboard, the government view and request pages, one after the other, on the
    server at ``port`` (run by ``workers`` processes)."""
    rounds = args.rounds
    runs = [
        ("dashboard /today", dashboards, lambda i, r: "/today"),
        ("government /government", dashboards, lambda i, r: "/government"),
        ("request page /requests/ID", rounds,
         lambda i, r: f"/requests/{ids[(i * (rounds + 1) + r) % len(ids)]}"),
    ]  # fmt: skip
    label = f"{workers} worker" + ("s" if workers > 1 else "")
    return [
        Figures(f"{name} ({label})", *load(port, args.users, count, args.max_seconds, paths, True))
        for name, count, paths in runs
    ]


def worker_counts(text: str) -> list[int]:
    """``--workers 1,2``: the worker counts to measure, one server after the other."""
    counts = [int(part) for part in text.split(",") if part.strip()]
    if not counts or min(counts) < 1:
        raise argparse.ArgumentTypeError("give worker counts of 1 or more, e.g. 1,2")
    return counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=10_000, help="requests in the log")
    parser.add_argument("--users", type=int, default=20, help="concurrent users")
    parser.add_argument("--rounds", type=int, default=25, help="pages each user opens per page")
    parser.add_argument("--dashboard-rounds", type=int,
                        help="dashboards each user opens (default: --rounds)")  # fmt: skip
    parser.add_argument("--max-seconds", type=float, default=120.0, help="time bound per page")
    parser.add_argument("--rebuild", action="store_true", help="build the log again")
    parser.add_argument("--workers", type=worker_counts, default=[1],
                        help="ledger serve --workers N; several (1,2) are measured one "
                        "after the other in the same run (default: 1)")  # fmt: skip
    parser.add_argument("--no-counts", action="store_true",
                        help="skip the in-process counts (minutes at 100,000 requests)")
    parser.add_argument("--serve-baseline", type=int, metavar="PORT", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve_baseline:
        serve_baseline(args.serve_baseline)
        return
    plan = Plan(args.requests, (2021, 2022))
    path = prepare(plan, args.rebuild)
    ids = request_ids(path, args.users * (args.rounds + 1))
    with sqlite3.connect(path) as conn:
        events = conn.execute("SELECT count(*) FROM events").fetchone()[0]
    print(f"ledger web bench — {plan.path.name}: {args.requests:,} requests, {events:,} events; "
          f"{args.users} users x {args.rounds} pages each, loopback, "
          f"Python {sys.version.split()[0]}, {os.cpu_count()} CPUs")  # fmt: skip
    print("each page alone, in process (median of 7):")
    for line in pages_in_process(path, plan.today.isoformat(), ids):
        print(line)
    dashboards = args.dashboard_rounds or args.rounds
    with tempfile.TemporaryDirectory(prefix="bench-web-") as tmp:
        work = Path(tmp)
        baseline = start_baseline(work)
        try:
            baseline.wait_up("/")
            base = Figures("baseline (trivial page)",
                           *load(baseline.port, args.users, args.rounds, args.max_seconds,
                                 lambda i, r: "/", False))  # fmt: skip
        finally:
            baseline.stop()
        results: list[Figures] = []
        for workers in args.workers:
            ledger = start_ledger(path, plan.today.isoformat(), work, workers)
            try:
                ledger.wait_up("/login")
                results += pages_under_load(ledger.port, args, dashboards, ids, workers)
            finally:
                ledger.stop()
    print(base.line(None))
    for figures in results:
        print(figures.line(base))
    if not args.no_counts:
        print("in process, one call each (median of 5):")
        for line in counts_in_process(path, plan.today.isoformat()):
            print(line)
    per_count = len(results) // len(args.workers)
    for n, workers in enumerate(args.workers):
        worst = max(f.pct(0.95) for f in results[n * per_count : (n + 1) * per_count])
        verdict = "under" if worst < TARGET_MS else "over"
        print(f"target p95 < {TARGET_MS:.0f} ms, --workers {workers}: {verdict} "
              f"(worst p95 {worst:.0f} ms)")  # fmt: skip


if __name__ == "__main__":
    main()
