"""DICOMweb to the hospital's PACS: QIDO-RS for a study's series and instances, WADO-RS
``rendered`` for an image the browser can show (JPEG or PNG).

Only addresses below the tenant's ``pacs.base_urls`` are ever asked (``allowed_base``): an
Endpoint in a FHIR resource cannot make the portal fetch another URL. Study, series and
instance UIDs are checked to be DICOM UIDs before they go into a path. Redirects are not
followed. Nothing is cached.

Errors: ``EpdTimeout`` when the PACS does not answer in time, ``EpdUnavailable`` for no
connection, refused credentials and 5xx, ``EpdBadData`` for an answer that is not DICOM JSON
or not an image, ``ItemNotFound`` for an instance the PACS no longer has. Messages name the
call and the HTTP status, never the address or a UID.
"""
from __future__ import annotations

import logging
import re
import ssl
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import httpx

from portal.epd.errors import EpdBadData, EpdTimeout, EpdUnavailable, ItemNotFound

from .auth import _file, _secret
from .pacs_settings import PacsSettings

log = logging.getLogger(__name__)
DICOM_JSON = "application/dicom+json"
_UID = re.compile(r"^[0-9]+(\.[0-9]+)*$")
_SIGNATURES = {"image/jpeg": b"\xff\xd8\xff", "image/png": b"\x89PNG\r\n\x1a\n"}
_DEFAULT_PORTS = {"http": 80, "https": 443}
# DICOM JSON tags (PS3.18 F.2): group+element in upper-case hex.
SERIES_UID, SERIES_NUMBER, SERIES_DESCRIPTION, MODALITY = "0020000E", "00200011", "0008103E", "00080060"
STUDY_UID, SOP_UID, INSTANCE_NUMBER = "0020000D", "00080018", "00200013"


def is_uid(value: object) -> bool:
    return isinstance(value, str) and 0 < len(value) <= 64 and bool(_UID.match(value))


def study_uid(study: dict) -> str | None:
    """The Study Instance UID an ImagingStudy carries (``identifier`` of system
    ``urn:dicom:uid``, value ``urn:oid:<uid>``); None when it has none that is a UID."""
    for identifier in study.get("identifier") or ():
        if isinstance(identifier, dict) and identifier.get("system") == "urn:dicom:uid":
            value = str(identifier.get("value") or "").removeprefix("urn:oid:")
            if is_uid(value):
                return value
    return None


def allowed_base(address: str | None, bases: Sequence[str]) -> str | None:
    """``address`` when it is one of ``bases`` or a path below one (same scheme, host and
    port); None otherwise. Addresses with credentials, a query, a fragment, dot segments or
    escapes are refused outright: they are ways to step outside the list."""
    if not isinstance(address, str) or "\\" in address or "%" in address:
        return None
    parts = urlsplit(address.strip())
    try:
        port = parts.port or _DEFAULT_PORTS.get(parts.scheme)
    except ValueError:
        return None
    if (parts.scheme not in _DEFAULT_PORTS or not parts.hostname or parts.username or parts.password
            or parts.query or parts.fragment):
        return None
    path = parts.path.rstrip("/")
    if any(segment in (".", "..") for segment in path.split("/")):
        return None
    for base in bases:
        allowed = urlsplit(base)
        same_server = (allowed.scheme == parts.scheme and (allowed.hostname or "").lower() == parts.hostname.lower()
                       and (allowed.port or _DEFAULT_PORTS[allowed.scheme]) == port)
        base_path = allowed.path.rstrip("/")
        if same_server and (path == base_path or path.startswith(base_path + "/")):
            return f"{allowed.scheme}://{allowed.netloc}{path}"
    return None


@dataclass(frozen=True, slots=True)
class DicomSeries:
    uid: str
    number: int | None
    description: str | None
    modality: str | None


@dataclass(frozen=True, slots=True)
class DicomInstance:
    uid: str
    number: int | None


class _Bearer(httpx.Auth):
    def __init__(self, token: str):
        self._token = token

    def auth_flow(self, request: httpx.Request):
        request.headers["Authorization"] = f"Bearer {self._token}"
        yield request


def _auth(settings: PacsSettings) -> httpx.Auth | None:
    auth = settings.auth
    if auth.method == "basic" and auth.username and auth.password_env:
        return httpx.BasicAuth(auth.username, _secret(auth.password_env, "pacs.auth.password_env"))
    if auth.method == "bearer" and auth.token_env:
        return _Bearer(_secret(auth.token_env, "pacs.auth.token_env"))
    return None


def _ssl_context(settings: PacsSettings, folder: Path) -> ssl.SSLContext:
    cafile = _file(folder, settings.ca_file, "pacs.ca_file") if settings.ca_file else None
    context = ssl.create_default_context(cafile=cafile)
    if settings.cert_file and settings.key_file:
        password = _secret(settings.key_password_env, "pacs.key_password_env") if settings.key_password_env else None
        context.load_cert_chain(_file(folder, settings.cert_file, "pacs.cert_file"),
                                _file(folder, settings.key_file, "pacs.key_file"), password)
    return context


def _number(item: dict, tag: str) -> int | None:
    values = (item.get(tag) or {}).get("Value") if isinstance(item.get(tag), dict) else None
    value = values[0] if isinstance(values, list) and values else None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value.strip())
    return None


def _string(item: dict, tag: str) -> str | None:
    values = (item.get(tag) or {}).get("Value") if isinstance(item.get(tag), dict) else None
    value = values[0] if isinstance(values, list) and values else None
    return value.strip() or None if isinstance(value, str) else None


def _in_order(number: int | None, uid: str) -> tuple:
    """Sort key: by number (unnumbered last), then UID (a stable order for equal numbers)."""
    return (number is None, number or 0, [int(part) for part in uid.split(".")])


class DicomWebClient:
    """The PACS of one tenant; thread-safe (``httpx.Client``), shared by all requests."""

    def __init__(self, settings: PacsSettings, folder: Path | str = ".", transport: httpx.BaseTransport | None = None):
        self.settings = settings
        self._http = httpx.Client(
            auth=_auth(settings), verify=_ssl_context(settings, Path(folder)),
            timeout=httpx.Timeout(settings.timeout_seconds, connect=settings.connect_timeout_seconds),
            headers={"User-Agent": "zorgverlenersportaal"}, follow_redirects=False, transport=transport)

    def close(self) -> None:
        self._http.close()

    def base_for(self, address: str | None) -> str:
        """The DICOMweb base to ask for a study: an Endpoint's ``address`` when it is on the
        tenant's list (else ``EpdBadData``), the first listed base when there is none."""
        if address is None:
            return self.settings.base_urls[0]
        base = allowed_base(address, self.settings.base_urls)
        if base is None:
            log.warning("imaging study endpoint refused: not below a configured pacs.base_urls entry")
            raise EpdBadData("imaging study endpoint is not one of the tenant's PACS addresses")
        return base

    # -- QIDO-RS -------------------------------------------------------------------------

    def series(self, base: str, study_uid: str) -> list[DicomSeries]:
        """The study's series, by series number (then UID); [] when the PACS has no such study."""
        found = []
        for item in self._search(f"{base}/studies/{_checked(study_uid)}/series", "series",
                                 [("includefield", SERIES_DESCRIPTION)]):
            uid = _string(item, SERIES_UID)
            if not is_uid(uid) or _string(item, STUDY_UID) not in (None, study_uid):
                raise EpdBadData("PACS answered a series that is not of the study asked for")
            assert uid is not None  # is_uid
            found.append(DicomSeries(uid, _number(item, SERIES_NUMBER), _string(item, SERIES_DESCRIPTION),
                                     _string(item, MODALITY)))
        return sorted(found, key=lambda s: _in_order(s.number, s.uid))

    def instances(self, base: str, study_uid: str, series_uid: str) -> list[DicomInstance]:
        """The series' instances, by instance number (then UID)."""
        found = []
        url = f"{base}/studies/{_checked(study_uid)}/series/{_checked(series_uid)}/instances"
        for item in self._search(url, "instances", []):
            uid = _string(item, SOP_UID)
            if not is_uid(uid) or _string(item, SERIES_UID) not in (None, series_uid):
                raise EpdBadData("PACS answered an instance that is not of the series asked for")
            assert uid is not None  # is_uid
            found.append(DicomInstance(uid, _number(item, INSTANCE_NUMBER)))
        return sorted(found, key=lambda i: _in_order(i.number, i.uid))

    def _search(self, url: str, what: str, params: list[tuple[str, str]]) -> list[dict]:
        response = self._send(url, what, {"Accept": DICOM_JSON},
                              httpx.QueryParams([*params, ("limit", str(self.settings.max_instances + 1))]))
        if response.status_code in (204, 404):  # no matches (PS3.18 10.6.3), or no such study
            return []
        if response.status_code != 200:
            raise EpdBadData(f"PACS refused the {what} query (HTTP {response.status_code})")
        try:
            body = response.json()
        except ValueError:
            raise EpdBadData(f"PACS answered the {what} query with something that is not JSON") from None
        if not isinstance(body, list) or not all(isinstance(item, dict) for item in body):
            raise EpdBadData(f"PACS answered the {what} query with JSON that is not DICOM JSON")
        return body

    # -- WADO-RS -------------------------------------------------------------------------

    def rendered(self, base: str, study_uid: str, series_uid: str, instance_uid: str) -> tuple[str, bytes]:
        """(content type, bytes) of the instance rendered as ``pacs.rendered_type`` (one type
        only: a list with q-values is refused by some PACS, Orthanc among them); the PACS may
        answer JPEG or PNG, and the bytes are checked to be that type and at most
        ``max_image_bytes``."""
        wanted = self.settings.rendered_type
        url = (f"{base}/studies/{_checked(study_uid)}/series/{_checked(series_uid)}"
               f"/instances/{_checked(instance_uid)}/rendered")
        try:
            with self._http.stream("GET", url, headers={"Accept": wanted}) as response:
                self._check(response, "rendered image")
                if response.status_code == 404:
                    raise ItemNotFound("the PACS no longer has this image")
                if response.status_code != 200:
                    raise EpdBadData(f"PACS refused the rendered image (HTTP {response.status_code})")
                media_type = response.headers.get("Content-Type", "").split(";", 1)[0].strip().lower()
                if media_type not in _SIGNATURES:
                    raise EpdBadData("PACS answered the rendered image with a type that is not JPEG or PNG")
                data = bytearray()
                for chunk in response.iter_bytes():
                    data += chunk
                    if len(data) > self.settings.max_image_bytes:
                        raise EpdBadData("PACS's rendered image is larger than pacs.max_image_bytes")
        except httpx.TimeoutException as exc:
            raise EpdTimeout("PACS did not answer in time (rendered image)") from exc
        except httpx.HTTPError as exc:
            raise EpdUnavailable(f"PACS unreachable (rendered image: {type(exc).__name__})") from exc
        if not bytes(data).startswith(_SIGNATURES[media_type]):
            raise EpdBadData(f"PACS's rendered image is not a {media_type} image")
        return media_type, bytes(data)

    # -- plumbing ------------------------------------------------------------------------

    def _send(self, url: str, what: str, headers: dict[str, str], params: httpx.QueryParams) -> httpx.Response:
        try:
            response = self._http.get(url, headers=headers, params=params)
        except httpx.TimeoutException as exc:
            raise EpdTimeout(f"PACS did not answer in time ({what})") from exc
        except httpx.HTTPError as exc:
            raise EpdUnavailable(f"PACS unreachable ({what}: {type(exc).__name__})") from exc
        self._check(response, what)
        return response

    @staticmethod
    def _check(response: httpx.Response, what: str) -> None:
        status = response.status_code
        if status in (401, 403):
            raise EpdUnavailable(f"PACS refused the portal's credentials (HTTP {status})")
        if status >= 500 or status == 429:
            raise EpdUnavailable(f"PACS failed ({what}: HTTP {status})")
        if 300 <= status < 400:
            raise EpdBadData(f"PACS redirected the {what} request (not followed)")


def _checked(uid: str) -> str:
    if not is_uid(uid):
        raise EpdBadData("not a DICOM UID")
    return uid
