"""TOTP (RFC 6238, pyotp): a second factor, required of supervisors and administrators and
optional for everyone else.

A code is accepted once: pyotp's ``verify`` would accept the same code twice within its 30
seconds, so the step of the last accepted code is kept and a code of that step or an older one is
refused (replay). One step either side is accepted for clock drift.

The secret is stored sealed — SM4-CTR and HMAC-SM3 (encrypt-then-MAC) under keys derived from
the chain key, which the database does not hold — and shown only once, at enrolment. A sealed
secret names its chain key's id, so a rotated key (kept in the keyring) still opens it.
"""

from __future__ import annotations

import hmac
import secrets
from datetime import datetime

import pyotp
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from cases.core.chainkeys import ChainKey, Keyring, writing_keyring
from cases.core.errors import InvalidInput
from cases.core.vocabulary import ADMIN_ROLES, Role
from cases.models import User

ISSUER = "Oversight"
#: Who must use a second factor (等保 2.0: two factors for administrators; supervisors decide).
TOTP_REQUIRED = frozenset({Role.SUPERVISOR, *ADMIN_ROLES})


def totp_required(role: Role | str) -> bool:
    return role in TOTP_REQUIRED


def enrolled(user: User) -> bool:
    return user.totp_sealed is not None and user.totp_confirmed_at is not None


def _keys(key: ChainKey) -> tuple[bytes, bytes]:
    derive = lambda label: hmac.new(key.secret, label, "sha256").digest()  # noqa: E731
    return derive(b"oversight totp seal enc")[:16], derive(b"oversight totp seal mac")


def seal(secret: str, key: ChainKey) -> str:
    enc, mac = _keys(key)
    nonce = secrets.token_bytes(16)
    encryptor = Cipher(algorithms.SM4(enc), modes.CTR(nonce)).encryptor()
    body = encryptor.update(secret.encode("ascii")) + encryptor.finalize()
    head = f"v1:{key.key_id}:{nonce.hex()}:{body.hex()}"
    tag = hmac.new(mac, head.encode("ascii"), "sm3" if _sm3() else "sha256").hexdigest()
    return f"{head}:{tag}"


def unseal(sealed: str, keyring: Keyring) -> str:
    try:
        version, key_id, nonce_hex, body_hex, tag = sealed.split(":")
        key = keyring.get(key_id)
        if version != "v1" or key is None:
            raise ValueError
        enc, mac = _keys(key)
        head = f"{version}:{key_id}:{nonce_hex}:{body_hex}"
        want = hmac.new(mac, head.encode("ascii"), "sm3" if _sm3() else "sha256").hexdigest()
        if not hmac.compare_digest(want, tag):
            raise ValueError
        decryptor = Cipher(algorithms.SM4(enc), modes.CTR(bytes.fromhex(nonce_hex))).decryptor()
        return (decryptor.update(bytes.fromhex(body_hex)) + decryptor.finalize()).decode("ascii")
    except ValueError:
        raise InvalidInput(
            "动态口令密钥无法解封（链密钥不符或被改动），请安全管理员重置动态口令",
            "The TOTP secret cannot be unsealed (another chain key, or altered): ask the "
            "security administrator to reset it",
        ) from None


def _sm3() -> bool:
    import hashlib

    return "sm3" in hashlib.algorithms_available


def begin_enrolment(user: User, keyring: Keyring | None = None) -> tuple[str, str]:
    """A new secret for ``user`` (not yet in force): (the secret, its otpauth:// URI) — shown to
    the user this once, to put in their authenticator app."""
    secret = pyotp.random_base32()
    user.totp_sealed = seal(secret, (keyring or writing_keyring()).current)
    user.totp_confirmed_at = None
    user.totp_last_step = None
    uri = pyotp.TOTP(secret).provisioning_uri(name=user.username, issuer_name=ISSUER)
    return secret, uri


def _accepted_step(user: User, code: str, now: datetime, keyring: Keyring) -> int | None:
    code = code.strip()
    if user.totp_sealed is None or not (code.isdigit() and len(code) == 6):
        return None
    totp = pyotp.TOTP(unseal(user.totp_sealed, keyring))
    step = totp.timecode(now)
    for candidate in (step - 1, step, step + 1):
        if hmac.compare_digest(totp.generate_otp(candidate), code):
            if user.totp_last_step is not None and candidate <= user.totp_last_step:
                return None  # this code (or a later one) was used already: a replay
            return candidate
    return None


def confirm_enrolment(user: User, code: str, now: datetime, keyring: Keyring | None = None) -> None:
    """Put the new secret in force once the user shows a code from it."""
    step = _accepted_step(user, code, now, keyring or writing_keyring())
    if step is None:
        raise InvalidInput("动态口令不正确", "The TOTP code is not correct")
    user.totp_last_step = step
    user.totp_confirmed_at = now


def verify_code(user: User, code: str, now: datetime, keyring: Keyring | None = None) -> bool:
    """Whether ``code`` is a fresh code of ``user``'s enrolled secret; remembers its step."""
    if not enrolled(user):
        return False
    step = _accepted_step(user, code, now, keyring or writing_keyring())
    if step is None:
        return False
    user.totp_last_step = step
    return True


def reset(user: User) -> None:
    """The security administrator's reset: the user enrols again at the next sign-in."""
    user.totp_sealed = None
    user.totp_confirmed_at = None
    user.totp_last_step = None
    user.session_version += 1
