"""The load of ``make bench``: logged-in GPs clicking through the portal, no think time.

Run by ``bench/portal_bench.py`` as a process of its own (never inside the server):

    .venv/bin/python bench/gp_load.py PLAN.json --phase gp --duration 30 --warmup 5 --out samples.json

Each of ``--clients`` worker processes is one GP with their own UZI card: it logs in through
the challenge signed with the card key (``/login/uzi/challenge`` + ``/login/uzi/response``,
the production path), then repeats a GP's round for one of their own patients — search by
name + birth date + sex, search by BSN, "Kies deze patiënt", "Ga verder met deze patiënt",
Patiëntinformatie, Zorgmomenten, Dossier pages, Labuitslagen and one lab graph, a letter —
until the time is up. Each step runs only when its page exists in the portal under test
(``routes`` in the plan), so the benchmark works before and after screens are added.
Phase ``ceiling`` instead requests the bare route without a session. Phase ``baseline``
runs the same rounds against the page-sized baseline (``GET /bench/page/<method>/<endpoint>``
with no session cookie, ``portal.web.bench_page``): each request of the round becomes the
baseline of its kind. A worker that has not served a kind yet answers 409; the client then
serves one real round on the same keep-alive connection (so the same worker), unmeasured,
and goes on. Phase ``think`` is many GPs (``--clients``, each with their own card and
account), each waiting an exponentially distributed think time (mean ``--think-mean`` s)
before every request: threads in a few processes, since they mostly sleep.

Requests go to the server over loopback as nginx would forward them: ``X-Forwarded-Proto:
https`` and a client address in ``X-Forwarded-For``. The session cookie is kept by hand
because in production it is ``Secure`` (HTTPS only) and this client speaks plain HTTP to the
proxy's upstream. Output: every request as ``[kind, seconds since start, milliseconds,
status]``, requests in the warm-up dropped, plus unexpected answers per kind and the CPU
seconds the clients used in the measured window (``cpu_seconds``).
"""
from __future__ import annotations

import argparse
import base64
import html
import json
import multiprocessing
import random
import re
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import httpx
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding
from werkzeug.routing import Map, Rule

from portal_uzi_login.message import origin, signed_message

_CSRF_META = re.compile(r'<meta name="csrf-token" content="([^"]+)"')
_CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')
_TOKEN = re.compile(r'name="patient" value="([^"]+)"')
_CONTEXT = re.compile(r'name="patient_context" value="([^"]+)"')
#: How many Dossier pages besides the overview one round opens (rotating over all of them).
DOSSIER_PAGES_PER_ROUND = 3


class UnexpectedAnswer(Exception):
    pass


class NeedsPriming(Exception):
    """The worker behind this connection has not served this page kind yet."""


def client_address(client_no: int) -> str:
    """A distinct documentation/benchmark address per client (never a tenant's HAP range)."""
    return f"192.0.2.{10 + client_no}" if client_no < 240 else f"198.18.{client_no // 250}.{client_no % 250 + 1}"


class Browser:
    """One GP's browser: a keep-alive connection, the session cookie, timing per request."""

    def __init__(self, plan: dict, client_no: int, started: float, samples: list, errors: dict, transport=None):
        host = plan["host"]
        headers = {"Host": host, "X-Forwarded-Proto": "https", "X-Forwarded-For": client_address(client_no),
                   "User-Agent": "portal-bench"}
        self.http = httpx.Client(base_url=plan["base_url"], follow_redirects=False, timeout=30.0, transport=transport,
                                 headers=headers)
        self.cookie_name: str | None = None
        self.cookie: str | None = None
        self.started, self.samples, self.errors = started, samples, errors
        self.csrf = ""
        self._csrf_cookie: str | None = None  # the session cookie the token was read under
        #: Seconds to wait before each request (a GP reading the page), or None.
        self.think: Callable[[], float] | None = None

    def request(self, kind: str, method: str, url: str, expect: int = 200, **kwargs) -> httpx.Response:
        if self.think is not None:
            time.sleep(self.think())
        headers = kwargs.pop("headers", {})
        if self.cookie:
            headers["Cookie"] = f"{self.cookie_name}={self.cookie}"
        offset, begin = time.time() - self.started, time.perf_counter()
        response = self.http.request(method, url, headers=headers, **kwargs)
        elapsed = time.perf_counter() - begin
        self.samples.append((kind, round(offset, 4), round(elapsed * 1000, 3), response.status_code))
        self.http.cookies.clear()  # the cookie is kept by hand (see the module docstring)
        for header in response.headers.get_list("set-cookie"):
            name, _, rest = header.partition("=")
            value = rest.split(";", 1)[0]
            if "portal_" not in name:
                continue
            self.cookie_name = name
            self.cookie = None if not value or "max-age=0" in header.lower() else value
        if response.status_code != expect:
            key = f"{kind} {response.status_code}"
            self.errors[key] = self.errors.get(key, 0) + 1
            raise UnexpectedAnswer(key)
        # The CSRF token belongs to the session: read it again only under a new session
        # cookie, not from every page (parsing each page would load the load generator,
        # which shares the cores with the server, not the server).
        if self.cookie != self._csrf_cookie and "html" in response.headers.get("content-type", ""):
            found = _CSRF_FIELD.search(response.text)
            if found:
                self.csrf, self._csrf_cookie = found[1], self.cookie
        return response

    def get(self, kind: str, url: str, expect: int = 200) -> httpx.Response:
        return self.request(kind, "GET", url, expect)

    def post(self, kind: str, url: str, data: dict, expect: int = 200) -> httpx.Response:
        return self.request(kind, "POST", url, expect, data={"csrf_token": self.csrf, **data})

    def login(self, plan: dict, gp: dict) -> None:
        """The UZI-pas login as the local helper does it: sign the login message for the
        portal's origin, tenant and challenge (``portal_uzi_login.message``)."""
        page = self.get("login page", "/login")
        csrf = _CSRF_META.search(page.text)[1]
        challenge = self.request("login challenge", "POST", "/login/uzi/challenge",
                                 headers={"X-CSRFToken": csrf}, json={}).json()["challenge"]
        key = serialization.load_pem_private_key(gp["key"].encode(), None)
        portal = origin(f"https://{plan['host']}")  # the origin the portal sees behind its proxy
        signature = key.sign(signed_message(portal, plan["tenant"], challenge), padding.PKCS1v15(), hashes.SHA256())
        self.request("login response", "POST", "/login/uzi/response", headers={"X-CSRFToken": csrf}, json={
            "origin": portal, "challenge": challenge, "certificate": gp["certificate"], "chain": gp["chain"],
            "signature": base64.b64encode(signature).decode()})
        self.get("core.home", "/")


class BaselineBrowser(Browser):
    """A GP's browser whose requests go to the page-sized baseline of their kind, without
    the session cookie. ``real`` switches it back to the portal itself (priming)."""

    def __init__(self, plan: dict, *args, **kwargs):
        super().__init__(plan, *args, **kwargs)
        rules = [Rule(rule, endpoint=endpoint, methods=methods) for endpoint, rule, methods in plan["rules"]]
        self.adapter = Map(rules).bind(plan["host"])
        self.real = False

    def login(self, plan: dict, gp: dict) -> None:
        self.real = True
        try:
            super().login(plan, gp)
        finally:
            self.real = False

    def request(self, kind: str, method: str, url: str, expect: int = 200, **kwargs) -> httpx.Response:
        if self.real:
            return super().request(kind, method, url, expect, **kwargs)
        endpoint, _args = self.adapter.match(httpx.URL(url).path, method=method)
        path = f"{BASELINE_PATH}/{method}/{endpoint}"
        offset, begin = time.time() - self.started, time.perf_counter()
        response = self.http.request("GET", path)
        elapsed = time.perf_counter() - begin
        if response.status_code == 409:
            raise NeedsPriming(kind)
        self.samples.append((kind, round(offset, 4), round(elapsed * 1000, 3), response.status_code))
        if response.status_code != expect:
            key = f"{kind} (baseline) {response.status_code}"
            self.errors[key] = self.errors.get(key, 0) + 1
            raise UnexpectedAnswer(key)
        return response


BASELINE_PATH = "/bench/page"


def _prime(browser: BaselineBrowser, plan: dict, patient: dict, round_no: int) -> None:
    """One real round on the browser's connection, opening every Dossier page, not measured:
    the worker behind it then has every page kind of the rounds to come."""
    kept, browser.samples = browser.samples, []
    browser.real = True
    try:
        gp_round(browser, plan["routes"], patient, round_no, dossier_pages=len(plan["routes"]))
    finally:
        browser.real = False
        browser.samples = kept


#: Item pages a round opens, and the list page their first link is taken from.
LINK_SOURCES = {"results.lab_graph": "results.lab", "record.letter": "record.letters"}
_link_patterns: dict[str, re.Pattern] = {}


def _link(routes: dict, endpoint: str, text: str) -> str | None:
    """The first link in ``text`` to ``endpoint`` (a rule like /dossier/brieven/<letter_id>)."""
    rule = routes.get(endpoint)
    if rule is None:
        return None
    if rule not in _link_patterns:
        pattern = re.escape(re.sub(r"<[^>]+>", "\x00", rule)).replace("\x00", r"[^\"/?#]+")
        _link_patterns[rule] = re.compile(rf'href="({pattern}(?:\?[^"]*)?)"')
    found = _link_patterns[rule].search(text)
    return html.unescape(found[1]) if found else None


def gp_round(browser: Browser, routes: dict, patient: dict, round_no: int,
             dossier_pages: int = DOSSIER_PAGES_PER_ROUND) -> None:
    """One GP's round for one patient, over the pages that exist; ``dossier_pages`` of the
    Dossier pages (rotating with ``round_no``)."""
    if "search.search" not in routes:
        browser.get("core.home", "/")
        return
    search = routes["search.search"]
    browser.post("search (name + birth date)", search, {
        "birth_name": patient["birth_name"], "birth_date": patient["birth_date"], "sex": patient["sex"]})
    found = browser.post("search (BSN)", search, {"bsn": patient["bsn"]})
    token = _TOKEN.search(found.text)
    if token is None or "access.choose" not in routes or "access.confirm" not in routes:
        raise UnexpectedAnswer("search (BSN) without a patient to choose")
    browser.post("access.choose", routes["access.choose"], {"patient": token[1]}, expect=302)
    confirm = browser.get("access.confirm", routes["access.confirm"])
    # "Ga verder met deze patiënt" is bound to the patient its page shows.
    context = _CONTEXT.search(confirm.text)
    browser.post("access.proceed", routes["access.confirm"], {"patient_context": context[1] if context else ""},
                 expect=302)
    dossier = sorted(e for e in routes if e.startswith("record.") and e not in ("record.index", "record.letter")
                     and "<" not in routes[e])
    start = (round_no * dossier_pages) % len(dossier) if dossier else 0
    chosen = (dossier + dossier)[start:start + min(dossier_pages, len(dossier))]
    if "record.letters" in routes and "record.letters" not in chosen:
        chosen.append("record.letters")
    pages = ["patient.info", "care_events.index", "record.index", *chosen, "results.lab"]
    links: dict[str, str] = {}
    for endpoint in pages:
        if endpoint not in routes:
            continue
        response = browser.get(endpoint, routes[endpoint])
        for target, source in LINK_SOURCES.items():
            if source == endpoint and (found := _link(routes, target, response.text)):
                links[target] = found
    for target in LINK_SOURCES:
        if links.get(target):
            browser.get(target, links[target])


def _cpu_at(moments: tuple[float, ...], readings: list[float]) -> None:
    """Append this process's CPU seconds (all threads, user + system) at each epoch moment.

    A thread of its own reads the clock exactly at the window's edges: the GP loop only looks
    at the time between rounds, which may end well after ``stop_at``."""
    for moment in moments:
        time.sleep(max(0.0, moment - time.time()))
        readings.append(time.process_time())


def _client(
    plan: dict, phase: str, client_no: int, start_at: float, stop_at: float, warmup_until: float, queue
) -> None:
    samples: list = []
    errors: dict[str, int] = {}
    cpu: list[float] = []
    clock = threading.Thread(target=_cpu_at, args=((warmup_until, stop_at), cpu), daemon=True)
    clock.start()
    primed, primed_seconds = 0, 0.0
    started = start_at
    browser = (BaselineBrowser if phase == "baseline" else Browser)(plan, client_no, started, samples, errors)
    gp = plan["gps"][client_no % len(plan["gps"])]
    try:
        if phase in ("gp", "baseline"):
            browser.login(plan, gp)
        if isinstance(browser, BaselineBrowser):  # before the start, on the connection kept alive
            _prime(browser, plan, gp["patients"][client_no % len(gp["patients"])], client_no)
        samples.clear()  # the login is not part of the measured load
        while time.time() < start_at:
            time.sleep(0.005)
        round_no = 0
        while time.time() < stop_at:
            try:
                if phase == "ceiling":
                    browser.get("bare route (ceiling)", plan["ceiling_path"])
                else:
                    patient = gp["patients"][(round_no * 7 + client_no) % len(gp["patients"])]
                    gp_round(browser, plan["routes"], patient, round_no)
            except NeedsPriming:
                began = time.time()
                _prime(browser, plan, patient, round_no)  # type: ignore[arg-type]
                primed += 1
                # The part of it inside the measured window is not baseline time.
                primed_seconds += max(0.0, min(time.time(), stop_at) - max(began, warmup_until))
            except (UnexpectedAnswer, httpx.HTTPError) as exc:
                if isinstance(exc, httpx.HTTPError):
                    errors[f"{type(exc).__name__}"] = errors.get(type(exc).__name__, 0) + 1
            round_no += 1
    except (UnexpectedAnswer, httpx.HTTPError, KeyError, TypeError) as exc:
        errors[f"client {client_no} stopped: {type(exc).__name__} {exc}"] = 1
    kept = [s for s in samples if started + s[1] >= warmup_until and started + s[1] + s[2] / 1000 <= stop_at]
    clock.join()  # returns at stop_at at the latest, also for a client that stopped early
    queue.put({"client": client_no, "samples": kept, "errors": errors, "cpu_seconds": cpu[1] - cpu[0],
               "primed": primed, "primed_seconds": primed_seconds})


#: GPs per load process in the think phase: threads that mostly sleep.
THINKERS_PER_PROCESS = 40


def _thinker(plan: dict, gp_no: int, think_mean: float, start_at: float, stop_at: float, warmup_until: float,
             samples: list, errors: dict) -> None:
    browser = Browser(plan, gp_no, start_at, samples, errors)
    gp = plan["gps"][gp_no % len(plan["gps"])]
    rng = random.Random(gp_no)
    try:
        browser.login(plan, gp)
    except (UnexpectedAnswer, httpx.HTTPError) as exc:
        errors[f"login {type(exc).__name__}"] = errors.get(f"login {type(exc).__name__}", 0) + 1
        return
    # GPs start at random moments of the first think time, not all at once.
    time.sleep(max(0.0, start_at - time.time()) + rng.expovariate(1 / think_mean))
    browser.think = lambda: rng.expovariate(1 / think_mean)
    round_no = gp_no
    while time.time() < stop_at:
        patient = gp["patients"][(round_no * 7 + gp_no) % len(gp["patients"])]
        try:
            gp_round(browser, plan["routes"], patient, round_no)
        except (UnexpectedAnswer, httpx.HTTPError) as exc:
            if isinstance(exc, httpx.HTTPError):
                errors[type(exc).__name__] = errors.get(type(exc).__name__, 0) + 1
        round_no += 1


def _think_process(plan: dict, gp_numbers: list[int], think_mean: float, start_at: float, stop_at: float,
                   warmup_until: float, queue) -> None:
    samples: list = []
    errors: dict[str, int] = {}
    cpu: list[float] = []
    clock = threading.Thread(target=_cpu_at, args=((warmup_until, stop_at), cpu), daemon=True)
    clock.start()
    threads = [threading.Thread(target=_thinker, daemon=True,
                                args=(plan, n, think_mean, start_at, stop_at, warmup_until, samples, errors))
               for n in gp_numbers]
    for thread in threads:
        thread.start()
    clock.join()
    # A GP thinking past the end is not waited for; a request in flight at the end is not counted.
    kept = [s for s in samples if start_at + s[1] >= warmup_until and start_at + s[1] + s[2] / 1000 <= stop_at]
    queue.put({"samples": kept, "errors": errors, "cpu_seconds": cpu[1] - cpu[0]})


def run_think(plan: dict, gps: int, duration: float, warmup: float, think_mean: float) -> dict:
    """``gps`` GPs with think time for ``warmup + duration`` seconds after every login."""
    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    processes = max(1, -(-gps // THINKERS_PER_PROCESS))
    start_at = time.time() + 3.0 + 0.03 * gps  # after the logins
    warmup_until = start_at + warmup
    stop_at = warmup_until + duration
    workers = [context.Process(target=_think_process, daemon=True,
                               args=(plan, list(range(p, gps, processes)), think_mean, start_at, stop_at,
                                     warmup_until, queue))
               for p in range(processes)]
    for worker in workers:
        worker.start()
    results = [queue.get(timeout=stop_at - time.time() + 120) for _ in workers]
    for worker in workers:
        worker.join(timeout=5)
        if worker.is_alive():
            worker.terminate()
    errors: dict[str, int] = {}
    for r in results:
        for key, count in r["errors"].items():
            errors[key] = errors.get(key, 0) + count
    shift = warmup_until - start_at
    return {"phase": "think", "clients": gps, "duration": duration, "warmup": warmup, "think_mean": think_mean,
            "window": [warmup_until, stop_at], "cpu_seconds": round(sum(r["cpu_seconds"] for r in results), 3),
            "samples": [(k, round(t - shift, 4), ms, st) for r in results for k, t, ms, st in r["samples"]],
            "errors": errors}


def run(plan: dict, phase: str, clients: int, duration: float, warmup: float) -> dict:
    """Run ``clients`` processes for ``warmup + duration`` seconds; their samples merged."""
    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    # After every login (and, for the baseline, its priming round).
    start_at = time.time() + {"gp": 3.0, "baseline": 4.0}.get(phase, 0.5) + 0.2 * clients
    warmup_until = start_at + warmup
    stop_at = warmup_until + duration
    workers = [context.Process(target=_client, args=(plan, phase, n, start_at, stop_at, warmup_until, queue))
               for n in range(clients)]
    for worker in workers:
        worker.start()
    results = [queue.get(timeout=stop_at - time.time() + 120) for _ in workers]
    for worker in workers:
        worker.join()
    samples = [tuple(s) for r in results for s in r["samples"]]
    errors: dict[str, int] = {}
    for r in results:
        for key, count in r["errors"].items():
            errors[key] = errors.get(key, 0) + count
    # Offsets relative to the end of the warm-up: the measured window is [0, duration].
    shift = warmup_until - start_at
    return {"phase": phase, "clients": clients, "duration": duration, "warmup": warmup,
            "window": [warmup_until, stop_at], "cpu_seconds": round(sum(r["cpu_seconds"] for r in results), 3),
            "primed_rounds": sum(r.get("primed", 0) for r in results),
            "primed_seconds": round(sum(r.get("primed_seconds", 0.0) for r in results), 2),
            "samples": [(k, round(t - shift, 4), ms, st) for k, t, ms, st in samples], "errors": errors}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("plan", type=Path)
    parser.add_argument("--phase", choices=("gp", "ceiling", "baseline", "think"), required=True)
    parser.add_argument("--think-mean", type=float, default=1.0, help="mean think time (s) of phase think")
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--duration", type=float, default=30.0)
    parser.add_argument("--warmup", type=float, default=5.0)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    plan = json.loads(args.plan.read_text())
    if args.phase == "think":
        result = run_think(plan, args.clients, args.duration, args.warmup, args.think_mean)
    else:
        result = run(plan, args.phase, args.clients, args.duration, args.warmup)
    args.out.write_text(json.dumps(result))
    print(f"{args.phase}: {len(result['samples'])} requests in {args.duration:.0f} s, "
          f"clients' CPU {result['cpu_seconds']:.1f} s, unexpected: {result['errors'] or 'none'}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
