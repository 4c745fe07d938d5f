"""ID numbers and phones encrypted at rest: SM4-GCM, with an HMAC-SM3 blind index.

A sealed column holds ``sm4gcm:<key id>:<base64url(nonce | ciphertext | tag)>``;
the key id names which of the data keys sealed it, so that keys can be rotated
(``manage.py rotate_data_keys``). Exact search and natural-key matching never
decrypt: they compare ``digest(value)``, an HMAC-SM3 of the normalised value under
a key of its own (the blind index). Both keys live outside the database:

- ``DEVZONE_DATA_KEYS`` (or the file ``DEVZONE_DATA_KEYS_FILE``): ``k2:<32 hex>,k1:<32
  hex>``, the first sealing, every one unsealing;
- ``DEVZONE_BLIND_INDEX_KEY`` (or ``DEVZONE_BLIND_INDEX_KEY_FILE``): any long
  random text.

With DEBUG on and none set (``make run``), development keys are derived from
SECRET_KEY; with DEBUG off, none set stops the start (``devzone.settings``).
Where this OpenSSL lacks SM4 or SM3, AES-128-GCM and HMAC-SHA256 stand in, and the
token names the cipher (``aes128gcm:``), as ``devzone.audit_seal`` does for its chain.
"""

from __future__ import annotations

import base64
import binascii
import functools
import hashlib
import hmac
import os
import re
from typing import Any

from cryptography.exceptions import InvalidTag, UnsupportedAlgorithm
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

SM4 = "sm4gcm"
AES = "aes128gcm"
PREFIXES = (f"{SM4}:", f"{AES}:")
NONCE = 12
TAG = 16
KEY_ID = re.compile(r"^[A-Za-z0-9_-]{1,8}$")


class SealingError(ValueError):
    """A sealed value that no key opens, or a key that cannot be read."""


def parse_keys(text: str) -> dict[str, bytes]:
    """Return {key id: 16-byte key} of ``k2:<32 hex>,k1:<32 hex>``, in that order."""
    keys: dict[str, bytes] = {}
    for part in re.split(r"[,\s]+", text.strip()):
        if not part:
            continue
        key_id, _, value = part.partition(":")
        try:
            key = binascii.unhexlify(value)
        except (binascii.Error, ValueError):
            key = b""
        if not KEY_ID.match(key_id) or len(key) != 16:
            raise ImproperlyConfigured(
                "DEVZONE_DATA_KEYS: each key is <id>:<32 hex digits> (an id of up to "
                f"8 letters or digits and 16 random bytes), e.g. k1:{'0' * 32}; "
                f"{key_id!r} is not."
            )
        if key_id in keys:
            raise ImproperlyConfigured(f"DEVZONE_DATA_KEYS names {key_id!r} twice.")
        keys[key_id] = key
    return keys


def read_file(path: str) -> str:
    with open(path, encoding="ascii") as file:
        return file.read().strip()


def configured(name: str) -> str:
    """Return a setting's value, or the content of the file ``<name>_FILE`` names."""
    value = str(getattr(settings, name, "") or "").strip()
    if value:
        return value
    path = str(getattr(settings, f"{name}_FILE", "") or "").strip()
    return read_file(path) if path else ""


def derived(secret_key: str, label: bytes, size: int) -> bytes:
    return hmac.new(
        secret_key.encode(), b"devzone-sealing-dev:" + label, hashlib.sha256
    ).digest()[:size]


def development_key_settings(secret_key: str) -> dict[str, str]:
    """Return the keys DEBUG derives from a secret key, as their settings' text."""
    return {
        "DEVZONE_DATA_KEYS": "dev:" + derived(secret_key, b"data", 16).hex(),
        "DEVZONE_BLIND_INDEX_KEY": derived(secret_key, b"blind-index", 32).hex(),
    }


@functools.cache
def data_keys() -> dict[str, bytes]:
    """Return the data keys, the current (sealing) one first."""
    text = configured("DEVZONE_DATA_KEYS")
    if text:
        return parse_keys(text)
    if settings.DEBUG:
        return parse_keys(
            development_key_settings(settings.SECRET_KEY)["DEVZONE_DATA_KEYS"]
        )
    raise ImproperlyConfigured(
        "DEVZONE_DATA_KEYS or DEVZONE_DATA_KEYS_FILE must be set to encrypt ID "
        "numbers and phones (deploy/README.md)."
    )


@functools.cache
def blind_index_key() -> bytes:
    text = configured("DEVZONE_BLIND_INDEX_KEY")
    if text:
        return text.encode()
    if settings.DEBUG:
        text = development_key_settings(settings.SECRET_KEY)["DEVZONE_BLIND_INDEX_KEY"]
        return text.encode()
    raise ImproperlyConfigured(
        "DEVZONE_BLIND_INDEX_KEY or DEVZONE_BLIND_INDEX_KEY_FILE must be set to "
        "search encrypted ID numbers and phones (deploy/README.md)."
    )


def reset() -> None:
    """Forget the keys read (tests that change them; a rotation's new keys)."""
    data_keys.cache_clear()
    blind_index_key.cache_clear()
    has_sm4.cache_clear()
    has_sm3.cache_clear()
    keyed_digest.cache_clear()
    sealer.cache_clear()


@functools.cache
def has_sm4() -> bool:
    try:
        Cipher(algorithms.SM4(b"\0" * 16), modes.GCM(b"\0" * NONCE)).encryptor()
    except (UnsupportedAlgorithm, ValueError):
        return False
    return True


@functools.cache
def has_sm3() -> bool:
    try:
        hmac.new(b"probe", b"", "sm3")
    except ValueError:
        return False
    return True


def cipher(kind: str, key: bytes, nonce: bytes, tag: bytes | None = None) -> Cipher:
    algorithm = algorithms.SM4(key) if kind == SM4 else algorithms.AES(key)
    return Cipher(algorithm, modes.GCM(nonce, tag))


def current_key_id() -> str:
    return next(iter(data_keys()))


@functools.cache
def sealer() -> Any:
    """Return a function encrypting a text under the current key.

    The key's cipher algorithm and the token's prefix are made once, not once a
    value: an import seals a hundred thousand values in a row.
    """
    key_id, key = next(iter(data_keys().items()))
    kind = SM4 if has_sm4() else AES
    algorithm = algorithms.SM4(key) if kind == SM4 else algorithms.AES(key)
    prefix = f"{kind}:{key_id}:"
    gcm, encode, random = modes.GCM, base64.urlsafe_b64encode, os.urandom

    def seal_text(text: str) -> str:
        nonce = random(NONCE)
        encryptor = Cipher(algorithm, gcm(nonce)).encryptor()
        body = encryptor.update(text.encode()) + encryptor.finalize()
        return prefix + encode(nonce + body + encryptor.tag).rstrip(b"=").decode()

    return seal_text


def seal(text: str | None) -> str | None:
    """Return the value encrypted under the current key (None and "" as they are)."""
    if not text or is_sealed(text):
        return text
    return sealer()(text)


def is_sealed(value: object) -> bool:
    return isinstance(value, str) and value.startswith(PREFIXES)


def key_id_of(token: str) -> str | None:
    """Return the id of the key that sealed a token, None for a value in clear."""
    return token.split(":", 2)[1] if is_sealed(token) else None


def unseal(token: str | None) -> str | None:
    """Return the clear value of a sealed one; a value in clear is returned as is.

    (Rows written before the data migration, or mid-migration, are in clear.)
    """
    if not is_sealed(token):
        return token
    assert token is not None
    kind, key_id, packed = token.split(":", 2)
    key = data_keys().get(key_id)
    if key is None:
        raise SealingError(
            f"A value is sealed under the data key {key_id!r}, which "
            "DEVZONE_DATA_KEYS no longer holds: add it back (after the current key)."
        )
    raw = base64.urlsafe_b64decode(packed + "=" * (-len(packed) % 4))
    nonce, body, tag = raw[:NONCE], raw[NONCE:-TAG], raw[-TAG:]
    try:
        decryptor = cipher(kind, key, nonce, tag).decryptor()
        return (decryptor.update(body) + decryptor.finalize()).decode()
    except InvalidTag as exc:
        raise SealingError(
            f"A value sealed under {key_id!r} does not open: changed, or a wrong key."
        ) from exc


@functools.cache
def keyed_digest() -> Any:
    """Return the blind index's HMAC, keyed once: each value hashes a copy of it."""
    return hmac.new(blind_index_key(), digestmod="sm3" if has_sm3() else "sha256")


def digest(text: str | None) -> str | None:
    """Return the blind index of a normalised value (None and "" as they are)."""
    if not text:
        return text
    # A copy of the keyed HMAC: keying one for each value cost twice as much.
    keyed = keyed_digest().copy()
    keyed.update(text.encode())
    return keyed.hexdigest()


def check_keys() -> list[str]:
    """Return what is wrong with the configured keys (for the system check)."""
    problems = []
    for read in (data_keys, blind_index_key):
        try:
            read()
        except (ImproperlyConfigured, OSError) as exc:
            problems.append(str(exc))
    return problems
