"""The chain key: the secret every history link and checkpoint is keyed with (HMAC-SM3).

Why a key the database does not hold: whoever owns the tables can rewrite an event and re-hash
the chain with the project's own code; without the key the new links do not verify. The key
comes from ``OVERSIGHT_CHAIN_KEY`` (hex) or the file ``OVERSIGHT_CHAIN_KEY_FILE``; on the
embedded default a random key is generated into ``<instance>/chain_key`` (mode 0600), like the
secret key. Each link stores the key's id (the first 16 hex digits of SM3 of the key), never the
key. Rotation moves the current key into the keyring file (``OVERSIGHT_CHAIN_KEYS_FILE``,
default ``<instance>/chain_keys``, one hex key a line), so links made before it still verify.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from cases.core.errors import OversightError
from cases.core.settings import Settings, current_settings

KEY_BYTES = 32
MIN_KEY_BYTES = 16


class ChainKeyError(OversightError):
    """The chain key cannot be read, parsed or rotated; the message names the setting."""

    status = 503
    code = "chain_key"


def mac_algorithm() -> str:
    """HMAC-SM3 where OpenSSL offers SM3 (商用密码); HMAC-SHA256 only where it does not (the
    algorithm is stored with every link, so a mixed history still verifies)."""
    return "sm3" if "sm3" in hashlib.algorithms_available else "sha256"


def key_id_of(secret: bytes) -> str:
    """What a link stores to name its key: 16 hex digits of SM3 (SHA-256 without SM3)."""
    return hashlib.new(mac_algorithm(), secret).hexdigest()[:16]


@lru_cache(maxsize=64)
def _base(secret: bytes, algorithm: str) -> hmac.HMAC:
    return hmac.new(secret, digestmod=algorithm)


@dataclass(frozen=True)
class ChainKey:
    key_id: str
    secret: bytes = field(repr=False)

    def mac(self, algorithm: str, text: str) -> str:
        """HMAC of ``text`` (UTF-8) — a copy of a keyed state prepared once per key."""
        h = _base(self.secret, algorithm).copy()
        h.update(text.encode("utf-8"))
        return h.hexdigest()

    @classmethod
    def of(cls, secret: bytes) -> ChainKey:
        return cls(key_id_of(secret), secret)


@dataclass(frozen=True)
class Keyring:
    """The key new links are made with, and every key a stored link may name."""

    current: ChainKey
    keys: Mapping[str, ChainKey]
    algorithm: str

    def get(self, key_id: str | None) -> ChainKey | None:
        return self.keys.get(key_id) if key_id else None


def key_file(settings: Settings) -> Path:
    return settings.chain_key_file or settings.instance_dir / "chain_key"


def keys_file(settings: Settings) -> Path:
    return settings.chain_keys_file or settings.instance_dir / "chain_keys"


def _parse(raw: str, where: str) -> bytes:
    text = raw.strip()
    try:
        secret = bytes.fromhex(text)
    except ValueError:
        secret = b""
    if len(secret) < MIN_KEY_BYTES:
        raise ChainKeyError(
            f"{where} 必须是至少 {MIN_KEY_BYTES * 2} 位的十六进制链密钥",
            f"{where} must hold a chain key of at least {MIN_KEY_BYTES * 2} hex digits",
        )
    return secret


def _write_private(path: Path, text: str) -> None:
    """Write a file only its owner may read, replacing it whole (never half a key)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.write(fd, text.encode("ascii"))
        os.fsync(fd)
    finally:
        os.close(fd)
    os.chmod(tmp, 0o600)
    os.replace(tmp, path)


def _current_secret(settings: Settings) -> bytes:
    if settings.chain_key:
        return _parse(settings.chain_key, "OVERSIGHT_CHAIN_KEY")
    path = key_file(settings)
    try:
        return _parse(path.read_text(), str(path))
    except FileNotFoundError:
        if settings.chain_key_file is not None:  # named by the operator: never invent one
            raise ChainKeyError(
                f"链密钥文件不存在：{path}", f"The chain key file does not exist: {path}"
            ) from None
    except OSError as exc:
        raise ChainKeyError(
            f"无法读取链密钥文件 {path}：{exc.strerror}",
            f"Cannot read the chain key file {path}: {exc.strerror}",
        ) from None
    return _create_key(path)


def _create_key(path: Path) -> bytes:
    """The first start: a random key, created exclusively — processes starting together (web,
    workers, beat on one instance folder) all end up with the one that was written first."""
    secret = secrets.token_bytes(KEY_BYTES)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.new")
    _write_private(tmp, secret.hex() + "\n")
    try:
        os.link(tmp, path)
    except FileExistsError:
        return _parse(path.read_text(), str(path))
    finally:
        tmp.unlink()
    return secret


def _retired_secrets(settings: Settings) -> list[bytes]:
    path = keys_file(settings)
    try:
        lines = path.read_text().splitlines()
    except FileNotFoundError:
        return []
    except OSError as exc:
        raise ChainKeyError(
            f"无法读取链密钥环 {path}：{exc.strerror}",
            f"Cannot read the chain keyring {path}: {exc.strerror}",
        ) from None
    return [_parse(line, str(path)) for line in lines if line.strip() and not line.startswith("#")]


_keyrings: dict[tuple[object, ...], Keyring] = {}


def _sources(settings: Settings) -> tuple[object, ...]:
    return (settings.chain_key, key_file(settings), keys_file(settings))


def keyring_for(settings: Settings) -> Keyring:
    """The keyring the settings point at, read once per process (links are made on every
    transition) — :func:`rotate_key` and :func:`forget_keyrings` read it again."""
    sources = _sources(settings)
    ring = _keyrings.get(sources)
    if ring is None:
        current = ChainKey.of(_current_secret(settings))
        keys = {k.key_id: k for k in map(ChainKey.of, _retired_secrets(settings))}
        keys[current.key_id] = current
        ring = _keyrings[sources] = Keyring(current, keys, mac_algorithm())
    return ring


def writing_keyring() -> Keyring:
    """The keyring of the process's settings: what the history writers key new links with."""
    return keyring_for(current_settings())


def forget_keyrings() -> None:
    _keyrings.clear()


@dataclass(frozen=True)
class Rotation:
    retired: ChainKey
    current: ChainKey


def rotate_key(settings: Settings) -> Rotation:
    """Keep the current key in the keyring file, then write a new random key to the key file.

    Refused when the key comes from ``OVERSIGHT_CHAIN_KEY``: the environment is the operator's
    to change (put the old key in the keyring file, set the new one, restart)."""
    if settings.chain_key:
        raise ChainKeyError(
            "链密钥来自环境变量 OVERSIGHT_CHAIN_KEY，无法在此轮换：请把旧密钥加入密钥环文件，"
            "设置新密钥后重启",
            "The chain key comes from OVERSIGHT_CHAIN_KEY and cannot be rotated here: add the "
            "old key to the keyring file, set the new key and restart",
        )
    old = keyring_for(settings).current
    ring_path = keys_file(settings)
    kept = [s.hex() for s in _retired_secrets(settings)]
    if old.secret.hex() not in kept:
        kept.append(old.secret.hex())
    _write_private(ring_path, "".join(line + "\n" for line in kept))  # first: nothing is lost
    new = ChainKey.of(secrets.token_bytes(KEY_BYTES))
    _write_private(key_file(settings), new.secret.hex() + "\n")
    forget_keyrings()
    return Rotation(old, keyring_for(settings).current)
