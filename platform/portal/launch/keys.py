"""The public keys of each trusted HIS vendor or network (``launch.signed[]`` in the tenant
YAML): a JWKS file in the tenant folder, or a JWKS URL.

A file is read again when it changes (a key rotation is a file copy). A URL is fetched on
first use and kept ``URL_KEEP``; a token naming a key id the set lacks fetches it again, at
most once per ``URL_RETRY`` (a vendor rotating keys is seen within a minute, a stream of
made-up key ids does not become a stream of fetches).
"""
from __future__ import annotations

import json
import threading
import time
from pathlib import Path

import httpx
from joserfc.jwk import KeySet

from ..tenants.schema import SignedLaunchIssuer, TenantConfig
from .refusals import LaunchRefused

URL_KEEP = 600.0
URL_RETRY = 60.0
FETCH_TIMEOUT = 5.0

_lock = threading.Lock()
#: (tenant id, issuer name) -> (key set, when read, file mtime or None)
_cache: dict[tuple[str, str], tuple[KeySet, float, float | None]] = {}


def _parse(document: object) -> KeySet:
    if not isinstance(document, dict) or not isinstance(document.get("keys"), list):
        raise ValueError("not a JWKS document (an object with 'keys')")
    # Only the public half is kept: a JWKS holding private parameters by mistake signs nothing here.
    public = {"keys": [{k: v for k, v in key.items() if k not in ("d", "p", "q", "dp", "dq", "qi", "oth")}
                       for key in document["keys"] if isinstance(key, dict)]}
    return KeySet.import_key_set(public)  # type: ignore[arg-type]


def jwks_path(tenant: TenantConfig, issuer: SignedLaunchIssuer) -> Path:
    assert issuer.jwks_file is not None
    return Path(tenant.folder) / issuer.jwks_file


def key_set(tenant: TenantConfig, issuer: SignedLaunchIssuer, *, refresh: bool = False) -> KeySet:
    """The issuer's keys; ``refresh`` asks a URL again (rate limited by ``URL_RETRY``).
    ``LaunchRefused("unknown_key")`` when they cannot be read."""
    key = (tenant.id, issuer.name)
    now = time.monotonic()
    with _lock:
        cached = _cache.get(key)
    try:
        if issuer.jwks_file is not None:
            path = jwks_path(tenant, issuer)
            mtime = path.stat().st_mtime
            if cached and cached[2] == mtime:
                return cached[0]
            keys = _parse(json.loads(path.read_text(encoding="utf-8")))
        else:
            if cached and (now - cached[1] < (URL_RETRY if refresh else URL_KEEP)):
                return cached[0]
            assert issuer.jwks_url is not None
            response = httpx.get(issuer.jwks_url, timeout=FETCH_TIMEOUT, headers={"Accept": "application/json"})
            response.raise_for_status()
            keys, mtime = _parse(response.json()), None
    except (OSError, ValueError, httpx.HTTPError) as exc:
        raise LaunchRefused("unknown_key", issuer=issuer.name, problem=f"keys unreadable: {type(exc).__name__}") \
            from None
    with _lock:
        _cache[key] = (keys, now, mtime)
    return keys


def check_files(tenant: TenantConfig) -> list[str]:
    """Problems with the tenant's JWKS files (for start-up): each names the issuer."""
    problems = []
    for issuer in tenant.launch.signed:
        if issuer.jwks_file is None:
            continue
        try:
            _parse(json.loads(jwks_path(tenant, issuer).read_text(encoding="utf-8")))
        except (OSError, ValueError) as exc:
            problems.append(f"launch.signed '{issuer.name}': jwks_file {issuer.jwks_file}: {exc}")
    return problems
