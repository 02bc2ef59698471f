"""The ``connector.settings.pacs`` block of a fhir tenant: where the hospital's PACS answers
DICOMweb (QIDO-RS, WADO-RS), how the portal authenticates to it, and its timeouts.

A module of its own so that ``settings`` (which holds it) and ``dicomweb`` (which uses it)
do not import each other. As for the FHIR server: secrets are environment variable names,
files are relative to the tenant folder.
"""
from __future__ import annotations

import re
from typing import Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

_ENV_NAME = re.compile(r"^[A-Z][A-Z0-9_]*$")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class PacsAuthSettings(_Strict):
    """How the portal authenticates to the PACS's DICOMweb service."""

    method: Literal["none", "basic", "bearer"] = Field(
        default="none", description="none (a trusted network or client certificate only), basic or bearer")
    username: str | None = Field(default=None, description="User name for basic (not a secret)")
    password_env: str | None = Field(default=None, description="Environment variable holding the basic password")
    token_env: str | None = Field(default=None, description="Environment variable holding the bearer token")

    @field_validator("password_env", "token_env")
    @classmethod
    def _envs(cls, value: str | None) -> str | None:
        if value is not None and not _ENV_NAME.match(value):
            raise ValueError("must be an environment variable name (A-Z, 0-9, _)")
        return value

    @model_validator(mode="after")
    def _complete(self) -> "PacsAuthSettings":
        if self.method == "basic" and (self.username is None or self.password_env is None):
            raise ValueError("basic needs username and password_env")
        if self.method == "bearer" and self.token_env is None:
            raise ValueError("bearer needs token_env")
        return self


class PacsSettings(_Strict):
    """The hospital's PACS (DICOMweb). ``base_urls`` is also the allow-list: the portal fetches
    images only below one of these, whatever an ImagingStudy's Endpoint says."""

    base_urls: tuple[str, ...] = Field(
        min_length=1,
        description="DICOMweb base URLs, e.g. https://pacs.hospital.example/dicom-web; the first serves "
                    "ImagingStudy resources without an Endpoint")
    auth: PacsAuthSettings = PacsAuthSettings()
    ca_file: str | None = Field(default=None, description="PEM CA bundle to verify the PACS (default: system CAs)")
    cert_file: str | None = Field(default=None, description="PEM client certificate for the PACS (mutual TLS)")
    key_file: str | None = Field(default=None, description="PEM private key of that certificate")
    key_password_env: str | None = Field(default=None, description="Environment variable holding the key's password")
    connect_timeout_seconds: float = Field(default=3.0, gt=0, le=60)
    timeout_seconds: float = Field(default=20.0, gt=0, le=300, description="Read timeout of one DICOMweb request")
    rendered_type: Literal["image/jpeg", "image/png"] = Field(
        default="image/jpeg", description="What WADO-RS rendered is asked for (Accept)")
    max_image_bytes: int = Field(default=20_000_000, ge=10_000, le=200_000_000,
                                 description="A rendered image larger than this is refused")
    max_instances: int = Field(default=1000, ge=1, le=20_000, description="Images shown per study at most")

    @field_validator("base_urls")
    @classmethod
    def _urls(cls, values: tuple[str, ...]) -> tuple[str, ...]:
        cleaned = []
        for value in values:
            parts = urlsplit(value)
            if (parts.scheme not in ("http", "https") or not parts.hostname or parts.query or parts.fragment
                    or parts.username or parts.password):
                raise ValueError(f"{value!r} must be an http(s) URL without credentials, query or fragment")
            cleaned.append(value.rstrip("/"))
        return tuple(cleaned)

    @field_validator("key_password_env")
    @classmethod
    def _env(cls, value: str | None) -> str | None:
        if value is not None and not _ENV_NAME.match(value):
            raise ValueError("must be an environment variable name (A-Z, 0-9, _)")
        return value

    @model_validator(mode="after")
    def _pair(self) -> "PacsSettings":
        if (self.cert_file is None) != (self.key_file is None):
            raise ValueError("cert_file and key_file go together")
        return self
