"""The backup archive's envelope: SM4-CTR + HMAC-SM3 (encrypt-then-MAC), streamed.

Layout::

    header  = b"OVERSIGHT-BACKUP" version:u8 mode:u8 [key_id:8 salt:16 nonce:16]
    body    = the archive's records, in the clear (mode 0) or SM4-CTR encrypted (mode 1)
    trailer = 32 bytes: SM3 of header+body (mode 0, catches damage), or
              HMAC-SM3 under the MAC key of header+body (mode 1, catches damage and forgery)

Why this construction: ``cryptography`` offers SM4 and SM3 (商用密码, LAW.md), CTR streams in
constant memory, and encrypt-then-MAC over everything (header included) lets a reader refuse a
flipped byte, a truncated file or a wrong key *before* it decrypts anything. The two keys are
derived per archive (HKDF-SM3 over a random salt) from ``OVERSIGHT_BACKUP_KEY``; an 8-byte key
id, independent of the salt, tells "wrong key" apart from "damaged".
"""

from __future__ import annotations

import hashlib
import hmac as std_hmac
import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from cryptography.hazmat.primitives import hashes, hmac
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from cases.core.errors import OperationRefused

MAGIC = b"OVERSIGHT-BACKUP"
VERSION = 1
PLAIN, SM4 = 0, 1
TAG_SIZE = 32
CHUNK = 1 << 20


def _refused(zh: str, en: str) -> OperationRefused:
    return OperationRefused(f"备份文件{zh}", f"backup archive {en}")


@dataclass(frozen=True)
class BackupKey:
    """The operator's backup key (16 or 32 bytes), kept apart from the archives."""

    secret: bytes

    @classmethod
    def parse(cls, text: str) -> BackupKey:
        raw = text.strip()
        try:
            secret = bytes.fromhex(raw)
        except ValueError:
            secret = b""
        if len(secret) not in (16, 32):
            raise OperationRefused(
                "备份密钥须为32或64位十六进制数（16或32字节）",
                "the backup key must be 32 or 64 hexadecimal digits (16 or 32 bytes)",
            )
        return cls(secret)

    @property
    def key_id(self) -> bytes:
        return std_hmac.new(self.secret, b"oversight backup key id", "sm3").digest()[:8]

    def derive(self, salt: bytes) -> tuple[bytes, bytes]:
        """(SM4 key, HMAC-SM3 key) for one archive."""
        okm = HKDF(hashes.SM3(), 48, salt, b"oversight backup v1").derive(self.secret)
        return okm[:16], okm[16:]


def key_from_environment(environ: dict[str, str] | None = None) -> BackupKey | None:
    """``OVERSIGHT_BACKUP_KEY`` (hex), else the file named by ``OVERSIGHT_BACKUP_KEY_FILE``."""
    env = os.environ if environ is None else environ
    if env.get("OVERSIGHT_BACKUP_KEY"):
        return BackupKey.parse(env["OVERSIGHT_BACKUP_KEY"])
    if env.get("OVERSIGHT_BACKUP_KEY_FILE"):
        path = Path(env["OVERSIGHT_BACKUP_KEY_FILE"])
        try:
            return BackupKey.parse(path.read_text(encoding="ascii"))
        except (OSError, UnicodeDecodeError) as exc:
            raise OperationRefused(
                f"无法读取备份密钥文件{path}", f"cannot read the backup key file {path}: {exc}"
            ) from exc
    return None


class _Mac:
    """SM3 (plain) or HMAC-SM3 (keyed), one interface."""

    def __init__(self, mac_key: bytes | None) -> None:
        self._h = hmac.HMAC(mac_key, hashes.SM3()) if mac_key else None
        self._d = hashlib.new("sm3") if mac_key is None else None

    def update(self, data: bytes) -> None:
        (self._h or self._d).update(data)  # type: ignore[union-attr]

    def finalize(self) -> bytes:
        return self._h.finalize() if self._h else self._d.digest()  # type: ignore[union-attr]


class SealedWriter:
    """A write-only stream that seals what is written into ``out``; :meth:`close` writes the
    trailer (an archive without it is refused as truncated)."""

    def __init__(self, out: BinaryIO, key: BackupKey | None) -> None:
        self._out = out
        if key is None:
            header = MAGIC + bytes([VERSION, PLAIN])
            self._mac, self._enc = _Mac(None), None
        else:
            salt, nonce = secrets.token_bytes(16), secrets.token_bytes(16)
            enc_key, mac_key = key.derive(salt)
            header = MAGIC + bytes([VERSION, SM4]) + key.key_id + salt + nonce
            self._mac = _Mac(mac_key)
            self._enc = Cipher(algorithms.SM4(enc_key), modes.CTR(nonce)).encryptor()
        self._mac.update(header)
        out.write(header)

    def write(self, data: bytes) -> int:
        block = self._enc.update(data) if self._enc else bytes(data)
        self._mac.update(block)
        self._out.write(block)
        return len(data)

    def close(self) -> None:
        if self._enc is not None and (tail := self._enc.finalize()):
            self._write_raw(tail)
        self._out.write(self._mac.finalize())

    def _write_raw(self, block: bytes) -> None:
        self._mac.update(block)
        self._out.write(block)


@dataclass(frozen=True)
class Envelope:
    """Where an archive's body lies and how to open it."""

    path: Path
    encrypted: bool
    body_start: int
    body_size: int
    enc_key: bytes | None
    mac_key: bytes | None
    nonce: bytes | None


def examine(path: Path, key: BackupKey | None) -> Envelope:
    """Read the header and authenticate the whole archive (one streaming pass, nothing
    decrypted). Raises OperationRefused for a damaged, truncated, foreign or wrong-key file."""
    try:
        size = path.stat().st_size
        with path.open("rb") as f:
            head = f.read(len(MAGIC) + 2)
            if len(head) < len(MAGIC) + 2 or head[: len(MAGIC)] != MAGIC:
                raise _refused("不是本系统的备份", "is not an Oversight backup")
            version, mode = head[len(MAGIC)], head[len(MAGIC) + 1]
            if version != VERSION or mode not in (PLAIN, SM4):
                raise _refused(
                    f"格式版本{version}/{mode}不受支持",
                    f"has an unsupported format ({version}/{mode})",
                )
            if mode == PLAIN and key is not None:  # anyone can make one: not with a key set
                raise _refused(
                    "未加密，而系统已配置备份密钥；如确需恢复未加密的备份，请先取消OVERSIGHT_BACKUP_KEY",
                    "is not encrypted although a backup key is configured (anyone can make "
                    "such a file); unset OVERSIGHT_BACKUP_KEY to restore an unencrypted backup",
                )
            enc_key = mac_key = nonce = None
            header = head
            if mode == SM4:
                rest = f.read(40)
                if len(rest) < 40:
                    raise _refused("已被截断", "is truncated")
                header += rest
                key_id, salt, nonce = rest[:8], rest[8:24], rest[24:]
                if key is None:
                    raise _refused(
                        "已用SM4加密，请配置OVERSIGHT_BACKUP_KEY",
                        "is SM4-encrypted: configure OVERSIGHT_BACKUP_KEY",
                    )
                if not std_hmac.compare_digest(key_id, key.key_id):
                    raise _refused(
                        "不是用所配置的密钥加密的（密钥错误）", "was sealed with another key"
                    )
                enc_key, mac_key = key.derive(salt)
            body_size = size - len(header) - TAG_SIZE
            if body_size < 0:
                raise _refused("已被截断", "is truncated")
            mac = _Mac(mac_key)
            mac.update(header)
            left = body_size
            while left:
                block = f.read(min(CHUNK, left))
                if not block:
                    raise _refused("已被截断", "is truncated")
                mac.update(block)
                left -= len(block)
            tag = f.read(TAG_SIZE)
    except OSError as exc:
        raise _refused(f"无法读取：{path}", f"cannot be read: {path}: {exc}") from exc
    if not std_hmac.compare_digest(tag, mac.finalize()):
        raise _refused(
            "已损坏或被截断（校验值不符）", "is damaged or truncated (its seal does not match)"
        )
    return Envelope(path, mode == SM4, len(header), body_size, enc_key, mac_key, nonce)


class SealedReader:
    """The body of an examined archive, decrypted as it is read, never past its end. The seal
    is computed again on the way and :meth:`check` compares it (the file may have changed since
    :func:`examine`)."""

    def __init__(self, envelope: Envelope) -> None:
        self._env = envelope
        self._f = envelope.path.open("rb")
        header = self._f.read(envelope.body_start)
        self._mac = _Mac(envelope.mac_key)
        self._mac.update(header)
        self._left = envelope.body_size
        self._dec = (
            Cipher(algorithms.SM4(envelope.enc_key), modes.CTR(envelope.nonce)).decryptor()
            if envelope.encrypted
            else None
        )

    def read(self, n: int) -> bytes:
        """Up to ``n`` bytes (fewer only at the end of the body)."""
        out = bytearray()
        while n > len(out) and self._left:
            block = self._f.read(min(n - len(out), self._left, CHUNK))
            if not block:
                raise _refused("已被截断", "is truncated")
            self._left -= len(block)
            self._mac.update(block)
            out += self._dec.update(block) if self._dec else block
        return bytes(out)

    def check(self) -> None:
        while self._left:
            self.read(CHUNK)
        tag = self._f.read(TAG_SIZE)
        if not std_hmac.compare_digest(tag, self._mac.finalize()):
            raise _refused("在恢复期间被改动", "changed while it was being restored")

    def close(self) -> None:
        self._f.close()
