"""Value types the tenant settings share, each checked once with one English message.

``EnvName``: the name of an environment variable holding a secret (secrets never stand in
the YAML itself). ``RoleCode``: a UZI/Dezi role code such as ``01.015`` (huisarts).
"""
from __future__ import annotations

import re
from typing import Annotated

from pydantic import AfterValidator

_ENV_NAME = re.compile(r"[A-Z][A-Z0-9_]*")
_ROLE_CODE = re.compile(r"\d\d\.\d\d\d")


def _env_name(value: str) -> str:
    if not _ENV_NAME.fullmatch(value):
        raise ValueError("must be an environment variable name (A-Z, 0-9, _)")
    return value


def _role_code(value: str) -> str:
    if not _ROLE_CODE.fullmatch(value):
        raise ValueError(f"role {value!r} is not of the form NN.NNN")
    return value


EnvName = Annotated[str, AfterValidator(_env_name)]
RoleCode = Annotated[str, AfterValidator(_role_code)]
