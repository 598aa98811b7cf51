"""rehash: verify legacy password hashes (145 families) in constant time and
upgrade them to Argon2id, with passlib's API.

    from rehash import Context

    ctx = Context(declare=["md5_hex"])            # or Context.from_path("rehash.toml")
    ok, new_hash = ctx.verify_and_update(password, row.hash)
    if ok and new_hash:
        ...  # UPDATE users SET hash = :new WHERE id = :id AND hash = :old

The compiled core is the rehash Rust library itself (``rehash._rehash``, a
pyo3 extension module inside this package). Hashing runs with the GIL
released, so threads verify in parallel. A :class:`Context` is immutable and
may be shared between threads. Errors are the classes of :mod:`rehash.errors`.
"""

from __future__ import annotations

import os
from typing import Any, Dict, Iterable, List, Mapping, NamedTuple, Optional, Tuple, Union

from . import errors
from ._rehash import Policy, families as _families, version
from .errors import (
    AmbiguousHashError,
    ConfigError,
    InternalError,
    MalformedHashError,
    MissingInputError,
    NotUtf8Error,
    ParameterOutOfRangeError,
    PasswordTooLongError,
    RehashError,
    UnknownPepperError,
    UnsupportedHashError,
)

__all__ = [
    "Context",
    "Family",
    "Policy",
    "families",
    "identify",
    "policy_toml",
    "version",
    "wrap",
    "errors",
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

__version__ = version()

Secret = Union[str, bytes, bytearray]
Text = Union[str, bytes]
# The installation's settings: str -> str/int/bool, or its JSON text.
Params = Union[Mapping[str, Union[str, int, bool]], str, bytes]


class Family(NamedTuple):
    """A family of the catalogue."""

    name: str
    kind: str  # "modern" or "legacy"
    needs_declaration: bool  # not self-describing: pass family= (or declare it)
    salted: bool
    hashcat_mode: Optional[int]
    stored_form: str


def families() -> List[Family]:
    """Every family rehash knows, in catalogue order."""
    return [Family(*f) for f in _families()]


# ---------------------------------------------------------------- policy TOML


def _toml_key(k: str) -> str:
    if k and all(c.isalnum() or c in "_-" for c in k):
        return k
    return _toml_value(k)


def _toml_value(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, str):
        out = ['"']
        for c in v:
            if c in '"\\':
                out.append("\\" + c)
            elif ord(c) < 0x20 or ord(c) == 0x7F:
                out.append("\\u%04x" % ord(c))
            else:
                out.append(c)
        out.append('"')
        return "".join(out)
    if isinstance(v, (list, tuple)):
        return "[" + ", ".join(_toml_value(x) for x in v) + "]"
    if isinstance(v, Mapping):
        return "{ " + ", ".join(f"{_toml_key(str(k))} = {_toml_value(x)}" for k, x in v.items()) + " }"
    raise TypeError(f"a policy value must be str, int, bool, a list or a dict, not {type(v).__name__}")


def _table(name: str, items: Mapping[str, Any]) -> str:
    if not isinstance(items, Mapping):
        raise TypeError(f"{name} must be a dict")
    lines = [f"[{name}]"]
    lines += [f"{_toml_key(str(k))} = {_toml_value(v)}" for k, v in items.items()]
    return "\n".join(lines) + "\n"


def policy_toml(
    *,
    target: Union[str, Mapping[str, Any], None] = None,
    declare: Iterable[str] = (),
    recipes: Iterable[Mapping[str, Any]] = (),
    ceilings: Optional[Mapping[str, int]] = None,
    argon2_threads: Optional[int] = None,
    max_password_bytes: Optional[int] = None,
    normalize: Optional[str] = None,
    equal_time_failures: Optional[bool] = None,
    pepper: Optional[Mapping[str, Any]] = None,
    params: Optional[Mapping[str, Any]] = None,
) -> str:
    """The policy file (TOML) that :class:`Context`'s keyword arguments
    stand for; each argument is a table or key of the file."""
    out = []
    if target is not None:
        out.append(_table("target", {"scheme": target} if isinstance(target, str) else target))
    declare, recipes = list(declare), list(recipes)
    if isinstance(declare, str):
        raise TypeError("declare must be a list of family names")
    if declare or recipes:
        legacy = "[legacy]\n"
        if declare:
            legacy += f"declare = {_toml_value(declare)}\n"
        for r in recipes:
            legacy += _table("[legacy.recipe]", r)  # [[legacy.recipe]]
        out.append(legacy)
    if ceilings is not None:
        out.append(_table("ceilings", ceilings))
    if argon2_threads is not None:
        out.append(_table("kdf", {"argon2_threads": argon2_threads}))
    password = {}
    if max_password_bytes is not None:
        password["max_bytes"] = max_password_bytes
    if normalize is not None:
        password["normalize"] = normalize
    if password:
        out.append(_table("password", password))
    if equal_time_failures is not None:
        out.append(_table("timing", {"equal_time_failures": equal_time_failures}))
    if pepper is not None:
        out.append(_table("pepper", pepper))
    if params is not None:
        out.append(_table("params", params))
    return "\n".join(out)


# -------------------------------------------------------------------- Context

_DUMMY_SECRET = "rehash dummy_verify"


class Context:
    """passlib's ``CryptContext``, for rehash: verifies every legacy family
    and upgrades to the policy's target.

    Build it from keyword arguments (each one a table of the policy file)::

        Context(target="argon2id",                 # or {"scheme": "argon2id", "m_kib": 19456, "t": 2, "p": 1}
                declare=["md5_hex"],               # families whose strings are not self-describing
                ceilings={"memory_kib": 262144},
                max_password_bytes=4096,
                equal_time_failures=True,
                params={"rounds": 8})              # installation settings (Firebase, a Devise pepper)

    or from the policy file itself: :meth:`from_path`, :meth:`from_string`.

    Each row method takes the row beside the stored string as keywords:
    ``salt`` (a separate salt column), ``user`` (PostgreSQL's md5),
    ``family`` (the row's declared family; passlib's ``scheme`` is accepted as
    its other name), ``params`` (a dict, this row's installation settings)
    and ``params_col`` (the column that says how the row was hashed).
    """

    __slots__ = ("policy",)

    policy: Policy

    def __init__(self, policy: Optional[Policy] = None, **options: Any) -> None:
        if policy is not None:
            if options:
                raise TypeError("give a Policy or keyword arguments, not both")
            if not isinstance(policy, Policy):
                raise TypeError("policy must be a rehash.Policy")
            self.policy = policy
        elif options:
            self.policy = Policy.from_toml(policy_toml(**options))
        else:
            self.policy = Policy.default()

    @classmethod
    def from_string(cls, source: Text) -> "Context":
        """A context from the text of a policy file (TOML)."""
        return cls(Policy.from_toml(source))

    @classmethod
    def from_path(cls, path: Union[str, "os.PathLike[str]"], encoding: str = "utf-8") -> "Context":
        """A context from a policy file (TOML)."""
        with open(path, encoding=encoding) as f:
            return cls.from_string(f.read())

    # -- the row's keywords ---------------------------------------------------

    @staticmethod
    def _row(kw: Dict[str, Any]) -> Dict[str, Any]:
        scheme = kw.pop("scheme", None)
        family = kw.pop("family", None)
        if scheme is not None and family is not None and scheme != family:
            raise TypeError("give family= or scheme=, not both")
        row = {
            "salt": kw.pop("salt", None),
            "user": kw.pop("user", None),
            "scheme": family if family is not None else scheme,
            "params": kw.pop("params", None),
            "params_col": kw.pop("params_col", None),
        }
        # passlib's category= (per-user-class policies) has no rehash meaning.
        kw.pop("category", None)
        if kw:
            raise TypeError(f"unexpected keyword argument {sorted(kw)[0]!r}")
        return row

    # -- passlib's methods ----------------------------------------------------

    def hash(self, secret: Secret) -> str:
        """A new hash of ``secret`` under the target, with a fresh salt."""
        return self.policy.hash(secret)

    def verify(self, secret: Secret, hash: Text, **row: Any) -> bool:
        """True when ``secret`` matches ``hash``. A wrong password is False;
        a string rehash cannot judge raises a :class:`RehashError`. Unlike
        :meth:`verify_and_update`, a failure is not padded to the cost of a
        target verify (as passlib's ``verify``)."""
        ok, _ = self.policy.verify(secret, hash, **self._row(row))
        return ok

    def verify_and_update(self, secret: Secret, hash: Text, **row: Any) -> Tuple[bool, Optional[str]]:
        """passlib's login call: ``(ok, new_hash)``. ``new_hash`` is a new
        target hash when ``ok`` and the stored one is below the policy
        (legacy family, weaker costs, retired pepper); store it with
        compare-and-swap (``UPDATE … SET hash = :new WHERE id = :id AND hash =
        :old``). A lost swap must not fail the login."""
        return self.policy.verify_and_upgrade(secret, hash, **self._row(row))

    def needs_update(self, hash: Text, secret: Optional[Secret] = None, **row: Any) -> bool:
        """True when ``hash`` is below the policy's target. (``secret`` is
        accepted for passlib's signature; rehash does not need it.)"""
        return self.policy.needs_upgrade(hash, **self._row(row))

    def identify(self, hash: Text, required: bool = False, **row: Any) -> Optional[str]:
        """The family label of ``hash`` (``"phpass"``, ``"md5_crypt"``, …).
        As in passlib, an unrecognised or ambiguous string gives None unless
        ``required=True``, which raises :class:`MalformedHashError` or
        :class:`AmbiguousHashError`."""
        r = self._row(row)
        try:
            return self.policy.identify(hash, **r)
        except (MalformedHashError, AmbiguousHashError):
            if required:
                raise
            return None

    def dummy_verify(self, elapsed: float = 0, secret: Optional[Secret] = None) -> bool:
        """For a login whose user does not exist: the work of a verify under
        the target, so an unknown user costs what a wrong password costs.
        Always False. (passlib's ``elapsed`` is accepted and ignored: rehash
        does the work rather than sleeping.)"""
        return self.policy.verify_dummy(_DUMMY_SECRET if secret is None else secret)

    # -- rehash's own ---------------------------------------------------------

    def inspect(self, hash: Text, **row: Any) -> Dict[str, Any]:
        """``{"family": …, "params": {…}}`` of a stored string."""
        return self.policy.inspect(hash, **self._row(row))

    def wrap(self, hash: Text, **row: Any) -> str:
        """Argon2id over a legacy hash, without the password: a
        ``$rw2$…`` string to store now, verified (and upgraded at the next
        login) with the same row keywords (docs/wrap.md)."""
        return self.policy.wrap(hash, **self._row(row))

    @property
    def target(self) -> str:
        """The family new hashes are written in."""
        return self.policy.target

    @property
    def target_params(self) -> Dict[str, int]:
        """The target's costs, e.g. ``{"m_kib": 19456, "t": 2, "p": 1}``."""
        return self.policy.target_params

    @property
    def hash_len(self) -> int:
        """The exact length of a new hash (check it against the column)."""
        return self.policy.hash_len

    def __repr__(self) -> str:
        return f"<rehash.Context target={self.target} {self.target_params}>"


_default: Optional[Policy] = None


def _default_policy() -> Policy:
    global _default
    if _default is None:
        _default = Policy.default()
    return _default


def identify(hash: Text, **row: Any) -> str:
    """The family label of a stored string under the default policy (raises
    for an unrecognised or ambiguous string)."""
    return _default_policy().identify(hash, **Context._row(row))


def wrap(hash: Text, **row: Any) -> str:
    """:meth:`Context.wrap` under the default policy."""
    return _default_policy().wrap(hash, **Context._row(row))
