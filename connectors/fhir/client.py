"""HTTP to the FHIR server: pooled connections, timeouts, paging and parallel calls.

Nothing is cached: every call asks the server (the manual promises real-time data). The
client is shared by all requests of one tenant; ``httpx.Client`` and the thread pool are
thread-safe, so Flask's threads may call it at the same time.

Errors raised: ``EpdUnavailable`` (no connection, timeout, 5xx, refused credentials),
``EpdTimeout`` when it did not answer in time, ``EpdBadData`` (an answer that is not the FHIR
asked for). Messages never carry patient data: they name the resource type and the HTTP
status, not the query.
"""
from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlsplit

import httpx

from portal.epd.errors import EpdBadData, EpdTimeout, EpdUnavailable

from .auth import build_auth, ssl_context
from .settings import Settings

log = logging.getLogger(__name__)
T = TypeVar("T")
FHIR_JSON = "application/fhir+json"
_THREAD_PREFIX = "fhir-connector"
Params = Mapping[str, str] | Iterable[tuple[str, str]]


class SearchResult:
    """The matches of a search, plus resources the server added (_include) by reference."""

    def __init__(self, matches: list[dict], included: list[dict], complete: bool):
        self.matches = matches
        self.included = included
        self.complete = complete

    def __iter__(self):
        return iter(self.matches)

    def __len__(self) -> int:
        return len(self.matches)


class FhirClient:
    def __init__(self, settings: Settings, folder: Path | str = ".", transport: httpx.BaseTransport | None = None):
        self.settings = settings
        self.base_url = settings.base_url
        self._origin = "{0.scheme}://{0.netloc}".format(urlsplit(self.base_url))
        self._http = httpx.Client(
            base_url=self.base_url + "/",
            auth=build_auth(settings),
            verify=ssl_context(settings, Path(folder)),
            timeout=httpx.Timeout(settings.timeout_seconds, connect=settings.connect_timeout_seconds),
            limits=httpx.Limits(max_connections=settings.max_connections,
                                max_keepalive_connections=settings.max_connections),
            headers={"Accept": FHIR_JSON, "User-Agent": "zorgverlenersportaal"},
            follow_redirects=False,
            transport=transport,
        )
        self._pool = ThreadPoolExecutor(max_workers=settings.parallel_calls, thread_name_prefix=_THREAD_PREFIX)

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)
        self._http.close()

    # -- parallel ------------------------------------------------------------------------

    def gather(self, calls: Mapping[str, Callable[[], T]]) -> dict[str, T]:
        """Run the calls at the same time; returns their results by key.

        A page thus waits for its slowest call, not the sum of all. The first error (in key
        order) is raised after every call has finished, so no call outlives the request.
        """
        # Inside a pool thread, waiting on the same pool could deadlock it: run in sequence.
        if len(calls) <= 1 or threading.current_thread().name.startswith(_THREAD_PREFIX):
            return {key: call() for key, call in calls.items()}
        futures = {key: self._pool.submit(call) for key, call in calls.items()}
        results: dict[str, T] = {}
        error: BaseException | None = None
        for key, future in futures.items():
            try:
                results[key] = future.result()
            except BaseException as exc:  # re-raised below, after the other calls ended
                error = error or exc
        if error is not None:
            raise error
        return results

    # -- reads ---------------------------------------------------------------------------

    def read(self, resource_type: str, resource_id: str) -> dict | None:
        """One resource by id; None when the server does not have it (404/410)."""
        response = self._send("GET", f"{resource_type}/{resource_id}", what=resource_type)
        if response.status_code in (404, 410):
            return None
        body = self._json(response, resource_type)
        if body.get("resourceType") != resource_type:
            raise EpdBadData(f"FHIR server answered a {body.get('resourceType')!r} when a {resource_type} was read")
        return body

    def read_reference(self, reference: str | None) -> dict | None:
        """A relative ("Type/id") or absolute reference on this server; None if unresolvable."""
        parsed = split_reference(reference, self.base_url)
        if parsed is None:
            return None
        try:
            return self.read(*parsed)
        except EpdBadData:
            log.warning("unresolvable %s reference: the server's answer was not a resource", parsed[0])
            return None

    def search(self, resource_type: str, params: Params) -> SearchResult:
        """All pages of a search (``_count`` = page_size, at most max_pages pages).

        ``complete`` is False when pages were left unread; callers decide whether that makes
        the answer unusable.
        """
        query = list(params.items()) if isinstance(params, Mapping) else list(params)
        if not any(key == "_count" for key, _ in query):
            query.append(("_count", str(self.settings.page_size)))
        response = self._send("GET", resource_type, params=query, what=resource_type)
        matches: list[dict] = []
        included: list[dict] = []
        for page in range(self.settings.max_pages):
            bundle = self._bundle(response, resource_type)
            for entry in bundle.get("entry") or ():
                resource = entry.get("resource") if isinstance(entry, dict) else None
                if not isinstance(resource, dict) or "resourceType" not in resource:
                    continue
                mode = (entry.get("search") or {}).get("mode", "match")
                if mode == "match" and resource["resourceType"] == resource_type:
                    matches.append(resource)
                elif mode != "outcome":
                    included.append(resource)
            next_url = _next_link(bundle)
            if next_url is None:
                return SearchResult(matches, included, True)
            if page + 1 == self.settings.max_pages:
                break
            response = self._send("GET", self._same_server(next_url), what=resource_type)
        log.warning("FHIR %s search stopped after %d pages", resource_type, self.settings.max_pages)
        return SearchResult(matches, included, False)

    def capabilities(self) -> dict:
        """The server's CapabilityStatement (``GET metadata``): cheap, no patient data."""
        body = self._json(self._send("GET", "metadata", what="CapabilityStatement"), "CapabilityStatement")
        if body.get("resourceType") != "CapabilityStatement":
            raise EpdBadData("FHIR server's metadata is not a CapabilityStatement")
        return body

    # -- writes --------------------------------------------------------------------------

    def create(self, resource: Mapping[str, Any]) -> dict:
        """POST a new resource; returns what the server stored (with its id)."""
        resource_type = resource["resourceType"]
        response = self._send("POST", resource_type, json=dict(resource), what=resource_type,
                              headers={"Content-Type": FHIR_JSON, "Prefer": "return=representation"})
        if response.status_code not in (200, 201):
            raise EpdBadData(f"FHIR server refused the new {resource_type} (HTTP {response.status_code})")
        body = self._json(response, resource_type) if response.content else {}
        if not body.get("id"):
            location = response.headers.get("Location", "")
            parsed = split_reference(location.split("/_history/")[0], self.base_url)
            if parsed is None:
                raise EpdBadData(f"FHIR server stored the {resource_type} without telling its id")
            body = {**resource, "id": parsed[1]}
        return body

    def transaction(self, bundle: Mapping[str, Any]) -> dict:
        """POST a transaction Bundle; returns the transaction-response Bundle."""
        response = self._send("POST", "", json=dict(bundle), what="transaction",
                              headers={"Content-Type": FHIR_JSON})
        body = self._json(response, "transaction")
        if body.get("resourceType") != "Bundle":
            raise EpdBadData("FHIR server did not answer the transaction with a Bundle")
        return body

    # -- plumbing ------------------------------------------------------------------------

    def _same_server(self, url: str) -> str:
        # A next link elsewhere would send the portal's credentials to another host.
        if not url.startswith(self._origin + "/"):
            raise EpdBadData("FHIR server's next link points at another server")
        return url

    def _send(self, method: str, url: str, what: str, **kwargs) -> httpx.Response:
        try:
            response = self._http.request(method, url, **kwargs)
        except httpx.TimeoutException as exc:
            raise EpdTimeout(f"FHIR server did not answer in time ({what})") from exc
        except httpx.HTTPStatusError as exc:  # from the OAuth2 token request
            raise EpdUnavailable(f"FHIR token endpoint refused the portal (HTTP {exc.response.status_code})") from exc
        except httpx.HTTPError as exc:
            raise EpdUnavailable(f"FHIR server unreachable ({what}: {type(exc).__name__})") from exc
        if response.status_code in (401, 403):
            raise EpdUnavailable(f"FHIR server refused the portal's credentials (HTTP {response.status_code})")
        if response.status_code >= 500 or response.status_code == 429:
            raise EpdUnavailable(f"FHIR server failed ({what}: HTTP {response.status_code})")
        return response

    def _json(self, response: httpx.Response, what: str) -> dict:
        if response.status_code >= 400:
            raise EpdBadData(f"FHIR server refused the request ({what}: HTTP {response.status_code})")
        try:
            body = response.json()
        except ValueError as exc:
            raise EpdBadData(f"FHIR server answered something that is not JSON ({what})") from exc
        if not isinstance(body, dict):
            raise EpdBadData(f"FHIR server answered JSON that is not a resource ({what})")
        return body

    def _bundle(self, response: httpx.Response, what: str) -> dict:
        body = self._json(response, what)
        if body.get("resourceType") != "Bundle" or not isinstance(body.get("entry", []), list):
            raise EpdBadData(f"FHIR search for {what} did not answer a Bundle")
        return body


def _next_link(bundle: dict) -> str | None:
    for link in bundle.get("link") or ():
        if isinstance(link, dict) and link.get("relation") == "next" and isinstance(link.get("url"), str):
            return link["url"]
    return None


def split_reference(reference: str | None, base_url: str = "") -> tuple[str, str] | None:
    """("Type", "id") of a literal reference, relative or absolute on ``base_url``; else None.

    Contained (#...) and logical references cannot be read from the server and give None.
    """
    if not isinstance(reference, str) or not reference or reference.startswith("#"):
        return None
    if "://" in reference or reference.startswith("urn:"):
        if not base_url or not reference.startswith(base_url.rstrip("/") + "/"):
            return None
        reference = reference[len(base_url.rstrip("/")) + 1:]
    parts = reference.split("/")
    if len(parts) >= 4 and parts[2] == "_history":
        parts = parts[:2]
    if len(parts) != 2 or not parts[0][:1].isupper() or not parts[1]:
        return None
    return parts[0], parts[1]
