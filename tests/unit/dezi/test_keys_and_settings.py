"""The userinfo decryption key (a PEM file, or a key that never leaves a PKCS#11 token) and the
tenant's dezi settings."""
from __future__ import annotations

import subprocess

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from joserfc import jwe
from joserfc.errors import JoseError
from joserfc.jwk import RSAKey
from pydantic import ValidationError

from portal.dezi import keys
from portal.tenants.dezi import DeziConfig

PIN = "135790"
COMPLETE = {"enabled": True, "issuer": "https://dezi.example", "client_id": "portaal",
            "decryption_key_file": "dezi.pem", "jku_allow_list": ["https://dezi.example/jwks.json"]}


def _tenant(platform, **dezi):
    tenant = platform.tenants["zgt"]
    return tenant.model_copy(update={"dezi": DeziConfig(**dezi)})


def _encrypt(public: rsa.RSAPublicKey, text: bytes) -> str:
    return jwe.encrypt_compact({"alg": "RSA-OAEP", "enc": "A256CBC-HS512"}, text, RSAKey.import_key(public),
                               algorithms=["RSA-OAEP", "A256CBC-HS512"])


def test_a_key_on_a_pkcs11_token_decrypts_the_userinfo_jwe(softhsm, platform, monkeypatch):
    import pkcs11
    from pkcs11 import Attribute, ObjectClass
    from pkcs11.util import biginteger

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    subprocess.run(["softhsm2-util", "--init-token", "--free", "--label", "DEZI-PORTAAL", "--pin", PIN,
                    "--so-pin", "so-" + PIN], check=True, capture_output=True)
    lib = pkcs11.lib(softhsm.library)
    lib.reinitialize()
    numbers = key.private_numbers()
    with lib.get_token(token_label="DEZI-PORTAAL").open(rw=True, user_pin=PIN) as session:
        session.create_object({
            Attribute.CLASS: ObjectClass.PRIVATE_KEY, Attribute.KEY_TYPE: pkcs11.KeyType.RSA,
            Attribute.LABEL: "dezi-userinfo", Attribute.TOKEN: True, Attribute.PRIVATE: True,
            Attribute.SENSITIVE: True, Attribute.EXTRACTABLE: False, Attribute.DECRYPT: True,
            Attribute.MODULUS: biginteger(numbers.public_numbers.n),
            Attribute.PUBLIC_EXPONENT: biginteger(numbers.public_numbers.e),
            Attribute.PRIVATE_EXPONENT: biginteger(numbers.d), Attribute.PRIME_1: biginteger(numbers.p),
            Attribute.PRIME_2: biginteger(numbers.q), Attribute.EXPONENT_1: biginteger(numbers.dmp1),
            Attribute.EXPONENT_2: biginteger(numbers.dmq1), Attribute.COEFFICIENT: biginteger(numbers.iqmp)})
    monkeypatch.setenv("PORTAL_TEST_DEZI_PIN", PIN)
    tenant = _tenant(platform, decryption_pkcs11={"module": softhsm.library, "token_label": "DEZI-PORTAAL",
                                                  "key_label": "dezi-userinfo", "pin_env": "PORTAL_TEST_DEZI_PIN"})
    token_key = keys.decryption_key(tenant)
    assert isinstance(token_key, keys.TokenKey)
    assert token_key.public_key.public_numbers() == key.public_key().public_numbers()
    envelope = b'{"verklaring_id": "v-1"}'
    plain = jwe.decrypt_compact(_encrypt(key.public_key(), envelope), token_key,
                                algorithms=["RSA-OAEP", "A256CBC-HS512"])
    assert plain.plaintext == envelope
    stranger = rsa.generate_private_key(public_exponent=65537, key_size=2048).public_key()
    with pytest.raises((JoseError, ValueError)):
        jwe.decrypt_compact(_encrypt(stranger, envelope), token_key, algorithms=["RSA-OAEP", "A256CBC-HS512"])


def test_a_pem_key_file_decrypts_and_a_missing_one_is_named(platform, tmp_path):
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    path = tmp_path / "dezi.pem"
    path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                       serialization.NoEncryption()))
    tenant = _tenant(platform, decryption_key_file=str(path))
    plain = jwe.decrypt_compact(_encrypt(key.public_key(), b"{}"), keys.decryption_key(tenant),
                                algorithms=["RSA-OAEP", "A256CBC-HS512"])
    assert plain.plaintext == b"{}"
    with pytest.raises(keys.KeyUnavailable, match="nowhere.pem"):
        keys.decryption_key(_tenant(platform, decryption_key_file=str(tmp_path / "nowhere.pem")))


def test_enabled_dezi_must_be_complete_and_https():
    assert DeziConfig(**COMPLETE).discovery == "https://dezi.example/.well-known/openid-configuration"
    assert DeziConfig().enabled is False
    for missing in ("issuer", "client_id", "decryption_key_file", "jku_allow_list"):
        with pytest.raises(ValidationError, match="enabled needs"):
            DeziConfig(**{k: v for k, v in COMPLETE.items() if k != missing})
    with pytest.raises(ValidationError, match="https"):
        DeziConfig(**{**COMPLETE, "jku_allow_list": ["http://dezi.example/jwks.json"]})
    with pytest.raises(ValidationError, match="not both"):
        DeziConfig(**{**COMPLETE, "decryption_pkcs11": {"module": "m", "token_label": "t", "key_label": "k",
                                                        "pin_env": "PIN"}})
    with pytest.raises(ValidationError):
        DeziConfig(**{**COMPLETE, "tls_minimum_version": "1.1"})
