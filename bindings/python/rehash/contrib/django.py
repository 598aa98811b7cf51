"""Password hashers for Django's ``PASSWORD_HASHERS``: verify every legacy
family rehash knows, let Django upgrade on login, and write Django's own
Argon2 format.

    PASSWORD_HASHERS = [
        # New hashes, in Django's own format (argon2$argon2id$v=19$m=102400,t=2,p=8$…):
        # Django's stock Argon2PasswordHasher verifies them without rehash.
        "rehash.contrib.django.Argon2PasswordHasher",
        # Rows of any legacy family, imported as rehash$<meta>$<stored> (to_django()),
        # and rehash's wrapped strings:
        "rehash.contrib.django.RehashPasswordHasher",
        # Django's own formats whose hashers Django 5.1 removed (or never shipped without a
        # third-party library): md5$$…/bare 32 hex, sha1$$…, sha1$salt$…, crypt$…, …
        "rehash.contrib.django.UnsaltedMD5PasswordHasher",
        "rehash.contrib.django.UnsaltedSHA1PasswordHasher",
        "rehash.contrib.django.SHA1PasswordHasher",
        "rehash.contrib.django.MD5PasswordHasher",
        "rehash.contrib.django.CryptPasswordHasher",
        "rehash.contrib.django.PBKDF2WrappedSHA1PasswordHasher",
        "rehash.contrib.django.PBKDF2SHA1PasswordHasher",
        "rehash.contrib.django.BCryptSHA256PasswordHasher",
        "rehash.contrib.django.BCryptPasswordHasher",
        # Django's current default stays verifiable:
        "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    ]

How Django upgrades: ``check_password`` asks the hasher of the row's prefix
to ``verify``, and calls its ``setter`` (``set_password`` + ``save``) when
the password is right and the row's hasher is not the first of
``PASSWORD_HASHERS`` or the first one's ``must_update`` says so. So with
:class:`Argon2PasswordHasher` first, every legacy row becomes Django's
``argon2$argon2id$…`` at its user's next login.

Django pads a failed login against a weaker row (``harden_runtime``) only
when the row's hasher is the preferred one; for a legacy row it is not, so
the verify-only hashers here pad a failed verify themselves with the cost of
a verify under the target (rehash's ``equal_time_failures``; set it to False
in ``REHASH_POLICY`` to turn it off).

Settings: ``REHASH_POLICY``, an optional dict of :class:`rehash.Context`
keyword arguments (``declare``, ``ceilings``, ``params``, ``argon2_threads``,
``max_password_bytes``, ``equal_time_failures``, ``recipes``). The target is
always Django's Argon2 with the costs of :class:`Argon2PasswordHasher`
(subclass it to change ``time_cost``, ``memory_cost``, ``parallelism``, as
with Django's).
"""

from __future__ import annotations

import base64
import binascii
import math
import threading
from typing import Any, Dict, Optional, Tuple

from django.conf import settings
from django.contrib.auth.hashers import RANDOM_STRING_CHARS, BasePasswordHasher, mask_hash
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.utils.translation import gettext_noop as _

from .. import ConfigError, Context, MalformedHashError, RehashError

__all__ = [
    "Argon2PasswordHasher",
    "RehashPasswordHasher",
    "UnsaltedMD5PasswordHasher",
    "UnsaltedSHA1PasswordHasher",
    "SHA1PasswordHasher",
    "MD5PasswordHasher",
    "CryptPasswordHasher",
    "PBKDF2WrappedSHA1PasswordHasher",
    "PBKDF2SHA1PasswordHasher",
    "BCryptSHA256PasswordHasher",
    "BCryptPasswordHasher",
    "to_django",
    "from_django",
    "get_context",
]

PREFIX = "rehash"

_lock = threading.Lock()
_contexts: Dict[Tuple[int, int, int], Context] = {}


@receiver(setting_changed)
def _reset(*, setting: str, **kwargs: Any) -> None:
    if setting in ("REHASH_POLICY", "PASSWORD_HASHERS"):
        with _lock:
            _contexts.clear()


def get_context(time_cost: int = 2, memory_cost: int = 102400, parallelism: int = 8) -> Context:
    """The :class:`rehash.Context` the hashers use: ``REHASH_POLICY`` with
    Django's Argon2 as the target (these costs). Cached; rebuilt when the
    setting changes."""
    key = (time_cost, memory_cost, parallelism)
    with _lock:
        ctx = _contexts.get(key)
        if ctx is None:
            options = dict(getattr(settings, "REHASH_POLICY", None) or {})
            if "target" in options:
                raise ConfigError(
                    "REHASH_POLICY: the Django hashers write Django's Argon2 format; set its costs "
                    "on a subclass of rehash.contrib.django.Argon2PasswordHasher, not `target`",
                    "invalid_config",
                )
            options["target"] = {"scheme": "django_argon2", "m_kib": memory_cost, "t": time_cost, "p": parallelism}
            ceilings = dict(options.get("ceilings") or {})
            # The policy must verify what it writes.
            ceilings["memory_kib"] = max(ceilings.get("memory_kib", 262144), memory_cost)
            ceilings["argon2_passes"] = max(ceilings.get("argon2_passes", 16), time_cost)
            ceilings["parallelism"] = max(ceilings.get("parallelism", 16), parallelism)
            options["ceilings"] = ceilings
            ctx = Context(**options)
            _contexts[key] = ctx
        return ctx


def _preferred_context() -> Context:
    """The context of the preferred (first) hasher when it is this module's
    Argon2 hasher (a failed legacy login is padded to its costs), else the
    default one."""
    from django.contrib.auth.hashers import get_hasher

    preferred = get_hasher("default")
    if isinstance(preferred, Argon2PasswordHasher):
        return preferred._context()
    return get_context()


def _equal_time_failures() -> bool:
    return bool((getattr(settings, "REHASH_POLICY", None) or {}).get("equal_time_failures", True))


def _b64(s: str) -> str:
    return base64.urlsafe_b64encode(s.encode("utf-8")).decode("ascii")


def _unb64(s: str) -> str:
    try:
        return base64.urlsafe_b64decode(s.encode("ascii")).decode("utf-8")
    except (binascii.Error, UnicodeError, ValueError):
        raise MalformedHashError("malformed rehash$ row: bad base64 in its fields", "malformed") from None


def to_django(
    stored: str,
    family: Optional[str] = None,
    salt: Optional[str] = None,
    user: Optional[str] = None,
    params_col: Optional[str] = None,
) -> str:
    """A legacy row as the value of Django's ``password`` column,
    ``rehash$<meta>$<stored>``, for :class:`RehashPasswordHasher`.

    ``meta`` is the family (empty when the string is self-describing), then
    ``,salt=``, ``,user=``, ``,params_col=`` with their values in URL-safe
    base64 where the family needs the row's other columns. ``stored`` is
    kept verbatim (a ``$rw2$`` wrapped string too). Checked: the row must
    identify under the hashers' policy. Django's column holds 128
    characters; longer values raise :class:`ValueError`."""
    meta = family or ""
    if "," in meta or "$" in meta:
        raise ValueError("family must be a family label")
    for name, value in (("salt", salt), ("user", user), ("params_col", params_col)):
        if value is not None:
            meta += f",{name}={_b64(value)}"
    encoded = f"{PREFIX}${meta}${stored}"
    stored2, row = from_django(encoded)
    get_context().identify(stored2, required=True, **row)
    if len(encoded) > 128:
        raise ValueError(f"{len(encoded)} characters: longer than Django's password column (128)")
    return encoded


def from_django(encoded: str) -> Tuple[str, Dict[str, Optional[str]]]:
    """``(stored, row keywords)`` of a ``rehash$<meta>$<stored>`` value."""
    head = PREFIX + "$"
    if not encoded.startswith(head) or "$" not in encoded[len(head) :]:
        raise MalformedHashError("not a rehash$<meta>$<stored> value", "malformed")
    meta, stored = encoded[len(head) :].split("$", 1)
    fields = meta.split(",")
    row: Dict[str, Optional[str]] = {"family": fields[0] or None}
    for f in fields[1:]:
        name, sep, value = f.partition("=")
        if not sep or name not in ("salt", "user", "params_col") or name in row:
            raise MalformedHashError("malformed rehash$ row: unknown or repeated field", "malformed")
        row[name] = _unb64(value)
    return stored, row


class _VerifyOnly(BasePasswordHasher):
    """A legacy family: verified by rehash, never written (Django writes the
    first hasher of PASSWORD_HASHERS)."""

    family: Optional[str] = None

    def _row(self, encoded: str) -> Tuple[str, Dict[str, Optional[str]]]:
        return encoded, {"family": self.family}

    def verify(self, password: str, encoded: str) -> bool:
        ctx = _preferred_context()
        try:
            stored, row = self._row(encoded)
            ok = ctx.verify(password, stored, **row)
        except RehashError:
            # Django's contract: an unreadable row is a failed login.
            ok = False
        if not ok and _equal_time_failures():
            # Django does not harden_runtime when the row's hasher is not the
            # preferred one: pad here, to the cost of a verify under the target.
            ctx.dummy_verify(secret=password)
        return ok

    def encode(self, password: str, salt: str) -> str:
        raise ValueError(
            f"{type(self).__name__} only verifies legacy rows; put "
            "rehash.contrib.django.Argon2PasswordHasher first in PASSWORD_HASHERS"
        )

    def decode(self, encoded: str) -> Dict[str, Any]:
        stored, row = self._row(encoded)
        info = get_context().inspect(stored, **row)
        return {"algorithm": self.algorithm, "family": info["family"], "hash": stored, "salt": row.get("salt")}

    def safe_summary(self, encoded: str) -> Dict[str, Any]:
        try:
            family = self.decode(encoded)["family"]
        except RehashError:
            family = "?"
        return {_("algorithm"): self.algorithm, _("family"): family, _("hash"): mask_hash(encoded)}

    def must_update(self, encoded: str) -> bool:
        return True

    def harden_runtime(self, password: str, encoded: str) -> None:
        # verify() pads failures itself.
        pass


class RehashPasswordHasher(_VerifyOnly):
    """Rows of any family rehash knows, stored as ``rehash$<meta>$<stored>``
    (:func:`to_django`), and rehash's wrapped ``$rw2$`` strings
    (``to_django(context.wrap(...))``)."""

    algorithm = PREFIX

    def _row(self, encoded: str) -> Tuple[str, Dict[str, Optional[str]]]:
        return from_django(encoded)


class UnsaltedMD5PasswordHasher(_VerifyOnly):
    """``md5$$<hex>`` and the bare 32-hex ``md5(password)`` of very old
    Django (its hasher was removed in Django 5.1)."""

    algorithm = "unsalted_md5"

    def _row(self, encoded: str) -> Tuple[str, Dict[str, Optional[str]]]:
        return encoded, {"family": "django_unsalted_md5" if "$" in encoded else "md5_hex"}


class UnsaltedSHA1PasswordHasher(_VerifyOnly):
    """``sha1$$<hex>`` (removed in Django 5.1)."""

    algorithm = "unsalted_sha1"
    family = "django_unsalted_sha1"


class SHA1PasswordHasher(_VerifyOnly):
    """``sha1$<salt>$<hex>`` (removed in Django 5.1)."""

    algorithm = "sha1"
    family = "django_salted_sha1"


class MD5PasswordHasher(_VerifyOnly):
    """``md5$<salt>$<hex>`` (still in Django, verify-only here)."""

    algorithm = "md5"
    family = "django_salted_md5"


class CryptPasswordHasher(_VerifyOnly):
    """``crypt$<salt>$<DES crypt>`` (removed in Django 5.0; needed ``crypt``)."""

    algorithm = "crypt"
    family = "django_des_crypt"


class PBKDF2WrappedSHA1PasswordHasher(_VerifyOnly):
    """``pbkdf2_wrapped_sha1$…``, the wrapped hasher of Django's upgrade guide."""

    algorithm = "pbkdf2_wrapped_sha1"
    family = "django_pbkdf2_wrapped_sha1"


class PBKDF2SHA1PasswordHasher(_VerifyOnly):
    """``pbkdf2_sha1$…``."""

    algorithm = "pbkdf2_sha1"
    family = "django_pbkdf2_sha1"


class BCryptSHA256PasswordHasher(_VerifyOnly):
    """``bcrypt_sha256$$2b$…`` without the ``bcrypt`` package."""

    algorithm = "bcrypt_sha256"
    family = "django_bcrypt_sha256"


class BCryptPasswordHasher(_VerifyOnly):
    """``bcrypt$$2b$…`` without the ``bcrypt`` package."""

    algorithm = "bcrypt"
    family = "django_bcrypt"


class Argon2PasswordHasher(BasePasswordHasher):
    """Django's ``Argon2PasswordHasher``, on rehash's Argon2 core (no
    argon2-cffi): the same format, the same costs (``time_cost``,
    ``memory_cost``, ``parallelism``; subclass to change them) and the same
    ``must_update`` rule, so rows it writes are read by Django's stock hasher
    and rows Django wrote are read by it. Put it first in
    ``PASSWORD_HASHERS``, and not together with Django's (the last of two
    hashers with one ``algorithm`` wins in Django)."""

    algorithm = "argon2"

    time_cost = 2
    memory_cost = 102400
    parallelism = 8

    def _context(self) -> Context:
        return get_context(self.time_cost, self.memory_cost, self.parallelism)

    def encode(self, password: str, salt: str) -> str:
        self._check_encode_args(password, salt)
        return self._context().policy.hash_with_salt(password, salt)

    def verify(self, password: str, encoded: str) -> bool:
        try:
            return self._context().verify(password, encoded, family="django_argon2")
        except RehashError:
            return False

    def decode(self, encoded: str) -> Dict[str, Any]:
        algorithm, rest = encoded.split("$", 1)
        assert algorithm == self.algorithm
        info = self._context().inspect(encoded, family="django_argon2")
        p = info["params"]
        variety, *_unused, b64salt, hash = rest.split("$")
        b64salt += "=" * (-len(b64salt) % 4)
        salt = base64.b64decode(b64salt).decode("latin1")
        return {
            "algorithm": algorithm,
            "hash": hash,
            "memory_cost": p["m_kib"],
            "parallelism": p["p"],
            "salt": salt,
            "time_cost": p["t"],
            "variety": variety,
            "version": p["version"],
        }

    def safe_summary(self, encoded: str) -> Dict[str, Any]:
        d = self.decode(encoded)
        return {
            _("algorithm"): d["algorithm"],
            _("variety"): d["variety"],
            _("version"): d["version"],
            _("memory cost"): d["memory_cost"],
            _("time cost"): d["time_cost"],
            _("parallelism"): d["parallelism"],
            _("salt"): mask_hash(d["salt"]),
            _("hash"): mask_hash(d["hash"]),
        }

    def must_update(self, encoded: str) -> bool:
        """Django's rule: another variety, version, cost or tag length than
        this hasher's, or a salt of under 128 bits of Django's alphabet."""
        try:
            d = self.decode(encoded)
            tag = len(base64.b64decode(d["hash"] + "=" * (-len(d["hash"]) % 4)))
        except (RehashError, ValueError, KeyError, binascii.Error):
            return True
        entropy = len(d["salt"]) * math.log2(len(RANDOM_STRING_CHARS))
        return (
            d["variety"] != "argon2id"
            or d["version"] != 19
            or (d["time_cost"], d["memory_cost"], d["parallelism"])
            != (self.time_cost, self.memory_cost, self.parallelism)
            or tag != 32
            or entropy < self.salt_entropy
        )

    def harden_runtime(self, password: str, encoded: str) -> None:
        # As Django's: Argon2's runtime has no simple difference to make up.
        pass
