"""The key Dezi encrypts the userinfo to: a PEM file, or an RSA key on a PKCS#11 token.

``decryption_key(tenant)`` gives a joserfc key for ``jwe.decrypt_compact``. A token's key
never leaves the token: ``TokenKey`` hands joserfc an object whose ``decrypt`` runs
RSA-OAEP (SHA-1 and MGF1-SHA-1, the JWA's ``RSA-OAEP``) on the token, so joserfc still does
all of the JOSE (header, content decryption, authentication tag) itself. Each decryption
opens its own token session and closes it before returning; the PIN comes from the
environment when the key is first used.
"""
from __future__ import annotations

import os
import threading
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.serialization import load_pem_private_key
from joserfc.jwk import RSAKey

from ..tenants.dezi import DeziConfig, Pkcs11Key
from ..tenants.schema import TenantConfig


class KeyUnavailable(Exception):
    """The decryption key cannot be loaded (English, for the log and ``portal tenants check``)."""


class _TokenDecryptor:
    """RSA-OAEP decryption on a PKCS#11 token, with the interface joserfc uses of a private key."""

    def __init__(self, config: Pkcs11Key, public: rsa.RSAPublicKey):
        self.config = config
        self.public = public
        self.key_size = public.key_size

    def public_key(self) -> rsa.RSAPublicKey:
        return self.public

    def decrypt(self, ciphertext: bytes, pad: padding.AsymmetricPadding) -> bytes:
        import pkcs11
        from pkcs11 import MGF, Mechanism

        if not isinstance(pad, padding.OAEP) or pad.algorithm.name != "sha1":
            raise ValueError("only RSA-OAEP with SHA-1 is done on the token")
        try:
            with _open(self.config) as session:
                key = session.get_key(object_class=pkcs11.ObjectClass.PRIVATE_KEY, key_type=pkcs11.KeyType.RSA,
                                      label=self.config.key_label)
                return bytes(key.decrypt(ciphertext, mechanism=Mechanism.RSA_PKCS_OAEP,
                                         mechanism_param=(Mechanism.SHA_1, MGF.SHA1, None)))
        except pkcs11.PKCS11Error as exc:
            # joserfc turns a ValueError into its DecodeError: a JWE not for this key.
            raise ValueError(f"token decryption failed: {type(exc).__name__}") from None


class TokenKey(RSAKey):
    """An RSA key whose private half stays on a PKCS#11 token."""

    decryptor: _TokenDecryptor

    @property
    def is_private(self) -> bool:
        return True

    @property
    def private_key(self):
        return self.decryptor

    @property
    def dict_value(self):
        """The public JWK only: the private half cannot be exported (it stays on the token)."""
        return RSAKey(self.public_key, self.public_key).dict_value


_lock = threading.Lock()
_libraries: dict[str, object] = {}


def _open(config: Pkcs11Key):
    import pkcs11

    pin = os.environ.get(config.pin_env)
    if not pin:
        raise KeyUnavailable(f"{config.pin_env} (the PIN of token {config.token_label!r}) is not set")
    with _lock:
        lib = _libraries.get(config.module)
        if lib is None:
            lib = _libraries[config.module] = pkcs11.lib(config.module)
    try:
        token = lib.get_token(token_label=config.token_label)  # type: ignore[attr-defined]
    except (pkcs11.NoSuchToken, pkcs11.MultipleTokensReturned):
        raise KeyUnavailable(f"no single PKCS#11 token labelled {config.token_label!r}") from None
    return token.open(user_pin=pin)


def _token_key(config: Pkcs11Key) -> TokenKey:
    import pkcs11
    from pkcs11 import Attribute

    try:
        with _open(config) as session:
            key = session.get_key(object_class=pkcs11.ObjectClass.PRIVATE_KEY, key_type=pkcs11.KeyType.RSA,
                                  label=config.key_label)
            modulus, exponent = key[Attribute.MODULUS], key[Attribute.PUBLIC_EXPONENT]
    except (pkcs11.NoSuchKey, pkcs11.MultipleObjectsReturned):
        raise KeyUnavailable(f"no single RSA private key labelled {config.key_label!r} on the token") from None
    except pkcs11.PKCS11Error as exc:
        raise KeyUnavailable(f"the token refused: {type(exc).__name__}") from None
    public = rsa.RSAPublicNumbers(int.from_bytes(exponent, "big"), int.from_bytes(modulus, "big")).public_key()
    token_key = TokenKey(public, public)
    token_key.decryptor = _TokenDecryptor(config, public)
    return token_key


def _file_key(config: DeziConfig, folder: str) -> RSAKey:
    assert config.decryption_key_file is not None
    path = Path(folder) / config.decryption_key_file
    password = None
    if config.decryption_key_password_env:
        password = os.environ.get(config.decryption_key_password_env)
        if not password:
            raise KeyUnavailable(f"{config.decryption_key_password_env} (the key file's password) is not set")
    try:
        private = load_pem_private_key(path.read_bytes(), password.encode() if password else None)
    except (OSError, ValueError, TypeError) as exc:
        raise KeyUnavailable(f"{path.name}: cannot read the private key ({type(exc).__name__})") from None
    if not isinstance(private, rsa.RSAPrivateKey) or private.key_size < 2048:
        raise KeyUnavailable(f"{path.name}: not an RSA key of at least 2048 bits")
    return RSAKey(private, private)


_cache: dict[tuple[str, DeziConfig], RSAKey] = {}


def decryption_key(tenant: TenantConfig) -> RSAKey:
    """The tenant's userinfo decryption key (loaded once per process); ``KeyUnavailable``."""
    config = tenant.dezi
    cached = _cache.get((tenant.id, config))
    if cached is None:
        if config.decryption_pkcs11 is not None:
            cached = _token_key(config.decryption_pkcs11)
        elif config.decryption_key_file is not None:
            cached = _file_key(config, tenant.folder)
        else:
            raise KeyUnavailable("no decryption key configured (dezi.decryption_key_file or dezi.decryption_pkcs11)")
        _cache[(tenant.id, config)] = cached
    return cached
