"""Sealing a person's ID under the server secret, so that stored data alone cannot name them.

An anonymous consult must reach its asker (the acknowledgement, the mentor's reply) without
anyone being able to tell who asked: not the mentor (who holds the buttons), not someone with the
database file or an export, not the logs. So the asker's ID is stored only *sealed*: encrypted
with AES-GCM under a key derived from ``CIRCLEKEEPER_SECRET``, which lives in the environment (or,
for development, in a 0600 file outside the database) and is never written to the database, an
export, a button or a log. The plain ID is padded to a fixed length first, so the seal's length
says nothing about the ID's length, and the consult's number is bound in as associated data, so
a seal copied onto another row does not open.
"""

from __future__ import annotations

import base64
import binascii
import logging
import os
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

log = logging.getLogger(__name__)

ID_PAD = 64
"""Every sealed ID is padded to this many bytes (the longest ID a column holds)."""
_NONCE = 12
SEAL_LENGTH = len(base64.urlsafe_b64encode(b"\0" * (_NONCE + 1 + ID_PAD + 16)).rstrip(b"="))
"""Every seal has exactly this many characters."""
MIN_SECRET_BYTES = 32


class SecretError(Exception):
    """The server secret is missing, unreadable or too short: one line for the operator."""


def decode_secret(text: str) -> bytes:
    """``CIRCLEKEEPER_SECRET``'s bytes: URL-safe base64 or hex, at least 32 bytes."""
    text = text.strip()
    raw: bytes | None = None
    try:
        raw = bytes.fromhex(text)
    except ValueError:
        try:
            raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
        except (binascii.Error, ValueError):
            raw = None
    if raw is None or len(raw) < MIN_SECRET_BYTES:
        raise SecretError(
            f"must be at least {MIN_SECRET_BYTES} random bytes as hex or URL-safe base64; "
            'make one with: python3 -c "import secrets; print(secrets.token_urlsafe(32))"'
        )
    return raw


def default_secret_file() -> Path:
    """Where a development secret is kept when ``CIRCLEKEEPER_SECRET`` is not set."""
    state = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(state) / "circlekeeper" / "secret"


def secret_from_file(path: Path) -> bytes:
    """Read the development secret, creating it (0600, never overwritten) the first time.

    Written to a private temporary file and linked into place, so a second process starting at
    the same moment reads either nothing (and links its own) or a whole secret."""
    if not path.exists():
        try:
            path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            tmp = path.with_name(f".{path.name}.{os.getpid()}")
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "w") as out:
                out.write(base64.urlsafe_b64encode(os.urandom(32)).decode().rstrip("=") + "\n")
            try:
                os.link(tmp, path)
                log.info("generated a development secret file=%s (set CIRCLEKEEPER_SECRET)", path)
            except FileExistsError:
                pass  # another process made it first: use theirs
            finally:
                tmp.unlink()
        except OSError as exc:
            raise SecretError(f"cannot create the secret file {path} ({exc.strerror})") from None
    try:
        private = not path.stat().st_mode & 0o077
        text = path.read_text(encoding="ascii")
    except (OSError, UnicodeDecodeError) as exc:
        raise SecretError(f"cannot read the secret file {path} ({exc})") from None
    if not private:
        raise SecretError(f"the secret file {path} must be readable by its owner only (0600)")
    try:
        return decode_secret(text)
    except SecretError as exc:
        raise SecretError(f"the secret file {path}: {exc}") from None


class Sealer:
    """Seals and opens person IDs for one purpose (the HKDF ``info``) under the server secret."""

    def __init__(self, secret: bytes, purpose: bytes = b"circlekeeper consult asker v1") -> None:
        key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=purpose).derive(secret)
        self._aead = AESGCM(key)

    def seal(self, user: str, bound_to: str) -> str:
        plain = user.encode()
        if len(plain) > ID_PAD:
            raise ValueError("ID too long to seal")
        padded = bytes([len(plain)]) + plain + b"\0" * (ID_PAD - len(plain))
        nonce = os.urandom(_NONCE)
        sealed = nonce + self._aead.encrypt(nonce, padded, bound_to.encode())
        return base64.urlsafe_b64encode(sealed).decode().rstrip("=")

    def open(self, token: str, bound_to: str) -> str | None:
        """The ID, or None when the seal was not made under this secret for ``bound_to``."""
        try:
            raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
            padded = self._aead.decrypt(raw[:_NONCE], raw[_NONCE:], bound_to.encode())
        except (binascii.Error, ValueError, InvalidTag):
            return None
        n = padded[0]
        try:
            return padded[1 : 1 + n].decode()
        except UnicodeDecodeError:
            return None
