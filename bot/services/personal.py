"""Personal data in the database is useless without keys kept outside it.

Phone numbers are encrypted (AES-SIV, deterministic, so that a re-import still sees an
unchanged row) with the key in `data.key` in the key folder (0600); stored as `v1:<hex>`.
A database that holds encrypted phones refuses to go on without that key.

身份证号 are kept only as keyed hashes, with the keys outside the database.

Stored: `HMAC(k_n, … HMAC(k_1, SHA-256(salt ":" number)) …)` over the keys in order. The
salt is in the database, the keys are not: in `id-hash.keys` in the key folder (0600, one
hex key a line) or in `CHOUCHA_ID_KEY` (comma-separated). Someone holding the database
alone cannot test a guessed number. Rotation adds a key and wraps every stored hash once
more with it, so no number is needed; an older key alone then proves nothing.
A database whose hashes were keyed refuses to go on without its keys (it never makes new
ones then: that would silently stop matching people on re-import).
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from collections.abc import Callable
from pathlib import Path

from bot.config import Settings
from bot.core import Core
from bot.formats.sheets import KEEPS_UPLOAD, KINDS
from bot.keys import read_or_create
from bot.services.errors import Refusal, Refused
from storage import Tx
from storage.files import blob_path, write_private

KEYS_FILE = "id-hash.keys"
LAYERS = "id_hash_layers"  # how many keys the stored hashes are wrapped with
CHECK = "id_key_check"  # the keys' fingerprint: a wrong key file is told, not used
_CHECK_INNER = hashlib.sha256(b"choucha-id-key-check").digest()


def _fold(keys: list[bytes], inner: bytes) -> bytes:
    for key in keys:
        inner = hmac.new(key, inner, hashlib.sha256).digest()
    return inner


def keys_file(settings: Settings) -> Path:
    return settings.keys / KEYS_FILE


def _parse(text: str, source: str) -> list[bytes]:
    try:
        keys = [bytes.fromhex(part.strip()) for part in text.replace(",", "\n").splitlines()
                if part.strip()]
    except ValueError:
        raise Refused(Refusal.ID_KEY_BAD, source=source) from None
    if any(len(k) < 16 for k in keys):
        raise Refused(Refusal.ID_KEY_BAD, source=source)
    return keys


def read_keys(settings: Settings, may_create: bool) -> list[bytes]:
    """The keys, from the environment or the key file; a first key is made only when
    `may_create` (no stored hash was ever keyed)."""
    if settings.id_key:
        return _parse(settings.id_key, "CHOUCHA_ID_KEY")
    path = keys_file(settings)
    if path.is_file():
        return _parse(path.read_text(encoding="ascii", errors="replace"), str(path))
    if not may_create:
        raise Refused(Refusal.ID_KEY_MISSING, source=str(path))
    made = read_or_create(path, (secrets.token_hex(32) + "\n").encode())
    return _parse(made.decode("ascii"), str(path))


async def _salt(tx: Tx) -> str:
    salt = await tx.settings.get("id_salt")
    if salt is None:
        salt = secrets.token_hex(16)
        await tx.settings.put("id_salt", salt)
    return salt


async def id_hasher(tx: Tx, settings: Settings) -> Callable[[str], str]:
    """The function that turns a 身份证号 into what is stored, inside the caller's
    transaction; stored hashes not yet wrapped with every key are wrapped first.
    Access: inside the office's inspector import (checked there); takes no actor."""
    layers = int(await tx.settings.get(LAYERS) or 0)
    keys = read_keys(settings, may_create=layers == 0)
    if len(keys) < layers:
        raise Refused(Refusal.ID_KEY_MISSING, source=str(keys_file(settings)))
    if layers and await tx.settings.get(CHECK) != _fold(keys[:layers], _CHECK_INNER).hex():
        raise Refused(Refusal.ID_KEY_WRONG, source=str(keys_file(settings)))
    if layers < len(keys):
        newer = keys[layers:]
        for person_id, stored in await tx.directory.id_hashes():
            await tx.directory.set_id_hash(person_id, _fold(newer, bytes.fromhex(stored)).hex())
        await tx.settings.put(LAYERS, str(len(keys)))
        await tx.settings.put(CHECK, _fold(keys, _CHECK_INNER).hex())
    salt = await _salt(tx)

    def hashed(number: str) -> str:
        return _fold(keys, hashlib.sha256(f"{salt}:{number}".encode()).digest()).hex()

    return hashed


async def rotate(tx: Tx, settings: Settings) -> int:
    """Add a key and wrap every stored hash with it; return how many were wrapped.
    Access: the command line only (`choucha keys rotate`), as the system."""
    if settings.id_key:
        raise Refused(Refusal.ID_KEY_IN_ENV)
    layers = int(await tx.settings.get(LAYERS) or 0)
    keys = read_keys(settings, may_create=layers == 0)
    path = keys_file(settings)
    text = "".join(k.hex() + "\n" for k in keys) + secrets.token_hex(32) + "\n"
    tmp = path.with_suffix(".tmp")
    write_private(tmp, text.encode())
    os.replace(tmp, path)  # a crash before the wrapping below is finished on the next use
    count = len(await tx.directory.id_hashes())
    await id_hasher(tx, settings)
    return count


# --------------------------------------------------------------------- phone numbers
DATA_KEY_FILE = "data.key"
PREFIX = "v1:"
_AD = [b"choucha:phone"]
# The last four characters of a 身份证号, kept to show it masked: encrypted too, since
# beside the keyed hash they would leave about a thousand candidates (issue 29).
LAST4 = [b"choucha:id_last4"]


class PhoneCipher:
    """Encrypts and decrypts stored phone numbers with the data key."""

    def __init__(self, key: bytes) -> None:
        from cryptography.hazmat.primitives.ciphers.aead import AESSIV

        self._aead = AESSIV(key)

    def seal(self, phone: str | None, what: list[bytes] = _AD) -> str | None:
        """`what`: the field's associated data (a phone by default; `LAST4` for the last
        four characters of a 身份证号)."""
        if not phone:
            return phone
        return PREFIX + self._aead.encrypt(phone.encode(), what).hex()

    def open(self, stored: str | None, what: list[bytes] = _AD) -> str | None:
        """The phone number; a value stored before encryption is returned as it is."""
        if not stored or not stored.startswith(PREFIX):
            return stored
        from cryptography.exceptions import InvalidTag

        try:
            return self._aead.decrypt(bytes.fromhex(stored[len(PREFIX):]), what).decode()
        except (InvalidTag, ValueError):
            raise Refused(Refusal.DATA_KEY_WRONG) from None


def phone_cipher(settings: Settings, may_create: bool = True) -> PhoneCipher:
    """The cipher with the data key (made once when `may_create`, 64 random bytes)."""
    path = settings.keys / DATA_KEY_FILE
    if not path.is_file() and not may_create:
        raise Refused(Refusal.DATA_KEY_MISSING, source=str(path))
    key = read_or_create(path, (secrets.token_bytes(64).hex() + "\n").encode())
    return PhoneCipher(bytes.fromhex(key.decode("ascii")))


def phone_reader(settings: Settings) -> PhoneCipher | None:
    """For showing stored phones: the cipher when there is a data key, else None (nothing
    was ever encrypted); never makes a key."""
    return phone_cipher(settings, may_create=False) \
        if (settings.keys / DATA_KEY_FILE).is_file() else None


async def data_cipher(tx: Tx, settings: Settings) -> PhoneCipher:
    """For storing phones: a new key is made only while no stored phone is encrypted.
    Access: inside the office's inspector import (checked there); takes no actor."""
    return phone_cipher(settings, may_create=not await tx.directory.sealed_phones(PREFIX))


async def forget_personal_uploads(core: Core) -> int:
    """Delete spreadsheets with personal data that an earlier version kept under files/
    after loading them (the import log keeps their SHA-256); how many.
    Access: at start, as the system."""
    async with core.db.read() as rtx:
        hashes = await rtx.directory.import_hashes(k for k in KINDS if k not in KEEPS_UPLOAD)
    removed = 0
    for sha in hashes:
        path = blob_path(core.files_root, sha)
        if path.is_file():
            path.unlink()
            removed += 1
    return removed


async def seal_plain_phones(tx: Tx, settings: Settings,
                            cipher: PhoneCipher | None = None) -> int:
    """Encrypt the phones (and the last four characters of 身份证号) stored before
    encryption (an older database); how many.
    Access: at start and in the inspector import, as the system."""
    plain = await tx.directory.plain_phones(PREFIX)
    last4 = await tx.directory.plain_last4(PREFIX)
    if not plain and not last4:
        return 0
    cipher = cipher or await data_cipher(tx, settings)
    for person_id, phone in plain:
        await tx.directory.set_phone(person_id, cipher.seal(phone))
    for person_id, value in last4:
        await tx.directory.set_last4(person_id, cipher.seal(value, LAST4))
    return len(plain) + len(last4)
