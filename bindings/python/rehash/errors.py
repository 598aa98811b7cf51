"""The exceptions rehash raises. A wrong password is never an exception (the
verify calls answer False); these are for input rehash cannot judge.

Every class derives from :class:`RehashError`, itself a :class:`ValueError`
(passlib raises ``ValueError`` for a malformed hash and its
``PasswordSizeError`` is one, so ``except ValueError`` keeps working after a
migration). Messages name the family, the field and the limit, never a
password, a salt or any byte of a stored hash: they can be logged as they are.
"""

from __future__ import annotations

from typing import Optional, Sequence

__all__ = [
    "RehashError",
    "MalformedHashError",
    "AmbiguousHashError",
    "ParameterOutOfRangeError",
    "UnsupportedHashError",
    "PasswordTooLongError",
    "MissingInputError",
    "NotUtf8Error",
    "UnknownPepperError",
    "ConfigError",
    "InternalError",
]


class RehashError(ValueError):
    """Base class. ``kind`` is the library's stable name of the error
    (``"malformed"``, ``"ambiguous"``, …), ``family`` the family it concerns
    when one was recognised, ``candidates`` the families an ambiguous string
    fits."""

    kind: str
    family: Optional[str]
    candidates: Sequence[str]

    def __init__(
        self,
        message: str,
        kind: str = "error",
        family: Optional[str] = None,
        candidates: Sequence[str] = (),
    ) -> None:
        super().__init__(message)
        self.message = message
        self.kind = kind
        self.family = family
        self.candidates = tuple(candidates)


class MalformedHashError(RehashError):
    """The stored string matches no known format, or its family's format is
    broken (length, base64, a missing field)."""


class AmbiguousHashError(RehashError):
    """The string is not self-describing (a bare hex digest, …): say which
    family it is with ``family=`` (or declare it in the policy).
    ``candidates`` lists the families it fits."""


class ParameterOutOfRangeError(RehashError):
    """A cost read from the stored string is above the policy's ceiling (or
    below the family's minimum). Checked before any work."""


class UnsupportedHashError(RehashError):
    """A recognised family in a variant rehash does not verify (e.g. a
    Keycloak credential whose algorithm is not PBKDF2, a Shiro digest
    other than MD5/SHA), or an operation a string does not allow
    (wrapping a wrapped string)."""


class PasswordTooLongError(RehashError):
    """The password is longer than the policy's ``[password] max_bytes``
    (4096 by default); passlib's ``PasswordSizeError``."""


class MissingInputError(RehashError):
    """The family needs a value of the row that was not given: ``salt=``
    (a separate salt column) or ``user=`` (PostgreSQL's md5)."""


class NotUtf8Error(RehashError):
    """A password that must be text (NTLM, normalization) is not UTF-8, or a
    text argument (stored hash, salt, params) is not valid UTF-8."""


class UnknownPepperError(RehashError):
    """The hash names a pepper key id the policy does not hold."""


class ConfigError(RehashError):
    """The policy (file or keyword arguments), a ``params`` value or a family
    name is not valid."""


class InternalError(RehashError):
    """A bug in rehash, not bad input."""
