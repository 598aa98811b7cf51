"""rehash: verify legacy password hashes and upgrade them to Argon2id.

A ctypes binding of librehash, the C ABI of the rehash Rust library. No
compiled extension: the shared library is loaded at import time from
``$REHASH_LIB``, from next to this package, from the source tree's
``target/{release,debug}`` or from the system library path (see README.md).

    policy = rehash.Policy.from_toml('[legacy]\\ndeclare = ["md5_hex"]\\n')
    valid, new_hash = policy.verify_and_upgrade("password", stored)
    if valid and new_hash:
        ...  # UPDATE users SET hash = :new WHERE id = :id AND hash = :old

A :class:`Policy` is immutable and may be shared between threads; the library
releases the GIL during every call (ctypes does), so logins run in parallel.
Messages of :class:`RehashError` never contain a password or a hash.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import json
import os
import sys
from pathlib import Path
from typing import Mapping, Optional, Tuple, Union

__all__ = [
    "Policy",
    "RehashError",
    "identify",
    "library_path",
    "version",
    "wrap",
    "VALID",
    "VALID_NEEDS_UPGRADE",
    "INVALID",
    "ERROR",
    "ERR_NULL_POINTER",
    "ERR_NOT_UTF8",
    "ERR_EMBEDDED_NUL",
    "ERR_BUFFER_TOO_SMALL",
    "ERR_PANIC",
]

# Status codes of include/rehash.h.
OK = 0
VALID = 0
VALID_NEEDS_UPGRADE = 1
INVALID = 2
ERROR = -1
ERR_NULL_POINTER = -2
ERR_NOT_UTF8 = -3
ERR_EMBEDDED_NUL = -4
ERR_BUFFER_TOO_SMALL = -5
ERR_PANIC = -6

Text = Union[str, bytes]
# The installation's settings: a mapping of str to str/int/bool, or its JSON text.
Params = Union[Mapping[str, Union[str, int, bool]], str, bytes]


class RehashError(Exception):
    """A call into librehash failed. ``code`` is the C status code (negative),
    ``message`` the library's message (it never holds a password or hash)."""

    def __init__(self, code: int, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


def _lib_names():
    if sys.platform == "darwin":
        return ["librehash.dylib"]
    if os.name == "nt":
        return ["rehash.dll"]
    return ["librehash.so"]


def _find_library() -> str:
    env = os.environ.get("REHASH_LIB")
    if env:
        if not os.path.isfile(env):
            raise OSError(f"REHASH_LIB={env} does not exist")
        return env
    here = Path(__file__).resolve().parent
    for name in _lib_names():
        bundled = here / name
        if bundled.is_file():
            return str(bundled)
    # bindings/python/rehash/__init__.py -> the repository root
    root = here.parents[2]
    built = [root / "target" / p / n for p in ("release", "debug") for n in _lib_names()]
    built = [p for p in built if p.is_file()]
    if built:
        return str(max(built, key=lambda p: p.stat().st_mtime))
    found = ctypes.util.find_library("rehash")
    if found:
        return found
    raise OSError(
        "librehash not found: build it with `cargo build -p rehash-ffi` or set REHASH_LIB "
        "to the path of librehash.so"
    )


library_path = _find_library()
_lib = ctypes.CDLL(library_path)

_P = ctypes.c_void_p  # rehash_policy *
_S = ctypes.c_char_p  # const char * (NUL-terminated)
_OUT = ctypes.POINTER(ctypes.c_void_p)  # char ** (kept as void* so we can free it)
_int = ctypes.c_int
_size = ctypes.c_size_t


def _sig(name, restype, *argtypes):
    f = getattr(_lib, name)
    f.restype = restype
    f.argtypes = list(argtypes)
    return f


_policy_from_toml = _sig("rehash_policy_from_toml", _int, _S, ctypes.POINTER(_P), _OUT)
_policy_default = _sig("rehash_policy_default", _int, ctypes.POINTER(_P))
_policy_free = _sig("rehash_policy_free", None, _P)
# The row functions take (stored, salt, user, scheme_hint, params, params_col):
# the _with_params entry points, with NULL for what is absent.
_verify_and_upgrade = _sig(
    "rehash_verify_and_upgrade_with_params", _int, _P, _S, _size, _S, _S, _S, _S, _S, _S, _OUT, _OUT
)
_verify = _sig("rehash_verify_with_params", _int, _P, _S, _size, _S, _S, _S, _S, _S, _S, _OUT)
_verify_dummy = _sig("rehash_verify_dummy", _int, _P, _S, _size)
_hash = _sig("rehash_hash", _int, _P, _S, _size, _OUT, _OUT)
_identify = _sig("rehash_identify_with_params", _int, _P, _S, _S, _S, _S, _S, _S, _OUT, _OUT)
_needs_upgrade = _sig("rehash_needs_upgrade_with_params", _int, _P, _S, _S, _S, _S, _S, _S, _OUT)
_wrap = _sig("rehash_wrap_with_params", _int, _P, _S, _S, _S, _S, _S, _S, _OUT, _OUT)
_version = _sig("rehash_version", ctypes.c_char_p)
_string_free = _sig("rehash_string_free", None, ctypes.c_void_p)


def _take(p: ctypes.c_void_p) -> Optional[str]:
    """A string returned by the library, as str; frees it."""
    if not p.value:
        return None
    try:
        return ctypes.string_at(p.value).decode("utf-8", "replace")
    finally:
        _string_free(p)


def _check(rc: int, err: ctypes.c_void_p) -> int:
    msg = _take(err)
    if rc < 0:
        raise RehashError(rc, msg or f"librehash error {rc}")
    return rc


def _password(pw: Text) -> bytes:
    if isinstance(pw, str):
        try:
            return pw.encode("utf-8")
        except UnicodeEncodeError:
            raise RehashError(ERR_NOT_UTF8, "password is not valid Unicode") from None
    if isinstance(pw, (bytes, bytearray, memoryview)):
        return bytes(pw)
    raise TypeError("password must be str or bytes")


def _text(value: Optional[Text], what: str) -> Optional[bytes]:
    """A text argument as a C string. A NUL inside would be cut there by C, so
    it is refused here with the ABI's own code."""
    if value is None:
        return None
    if isinstance(value, str):
        try:
            value = value.encode("utf-8")
        except UnicodeEncodeError:
            raise RehashError(ERR_NOT_UTF8, f"{what} is not valid UTF-8") from None
    elif not isinstance(value, (bytes, bytearray)):
        raise TypeError(f"{what} must be str or bytes")
    value = bytes(value)
    if b"\0" in value:
        raise RehashError(ERR_EMBEDDED_NUL, f"{what} contains a NUL byte")
    return value


def _params(value: Optional[Params]) -> Optional[bytes]:
    """The installation's settings as the JSON object the library reads: a
    mapping is encoded here (its values must be str, int or bool; the library
    refuses anything else without quoting it), text is passed as it is."""
    if value is None:
        return None
    if isinstance(value, Mapping):
        for k, v in value.items():
            if not isinstance(k, str):
                raise TypeError("params keys must be str")
            if not isinstance(v, (str, int, bool)):
                raise TypeError(f"params[{k!r}] must be str, int or bool")
        value = json.dumps(dict(value), separators=(",", ":"))
    return _text(value, "params")


class Policy:
    """An immutable policy (target scheme, declared legacy schemes, recipes,
    ceilings, password limit, peppers). Thread-safe."""

    __slots__ = ("_handle",)

    def __init__(self, _handle: ctypes.c_void_p):
        if not _handle or not _handle.value:
            raise RehashError(ERROR, "use Policy.from_toml() or Policy.default()")
        self._handle = _handle

    @classmethod
    def from_toml(cls, text: Text) -> "Policy":
        """A policy from the TOML format of rehash's ``config`` module."""
        h, err = _P(), _P()
        _check(_policy_from_toml(_text(text, "toml"), ctypes.byref(h), ctypes.byref(err)), err)
        return cls(h)

    @classmethod
    def default(cls) -> "Policy":
        """Argon2id m=19456 KiB, t=2, p=1; no declared legacy schemes."""
        h = _P()
        rc = _policy_default(ctypes.byref(h))
        if rc != OK:
            raise RehashError(rc, "rehash_policy_default failed")
        return cls(h)

    def close(self) -> None:
        """Release the handle now (otherwise when the object is collected)."""
        h, self._handle = getattr(self, "_handle", None), None
        if h is not None and h.value:
            _policy_free(h)

    def __del__(self):
        try:
            self.close()
        except Exception:  # interpreter shutdown
            pass

    def __enter__(self) -> "Policy":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _h(self) -> ctypes.c_void_p:
        if self._handle is None:
            raise RehashError(ERR_NULL_POINTER, "the policy was closed")
        return self._handle

    def _row(self, stored, salt, user, scheme, params, params_col):
        return (
            _text(stored, "stored"),
            _text(salt, "salt"),
            _text(user, "user"),
            _text(scheme, "scheme"),
            _params(params),
            _text(params_col, "params_col"),
        )

    def verify_and_upgrade(
        self,
        password: Text,
        stored: Text,
        salt: Optional[Text] = None,
        user: Optional[Text] = None,
        scheme: Optional[Text] = None,
        params: Optional[Params] = None,
        params_col: Optional[Text] = None,
    ) -> Tuple[bool, Optional[str]]:
        """The login call: ``(valid, new_hash)``. When ``new_hash`` is set,
        store it with compare-and-swap; a lost swap must not fail the login.
        ``scheme`` is the label of a string that is not self-describing;
        ``params`` the installation's settings (Firebase's hash config, a
        pepper; default: the policy's ``[params]``), ``params_col`` the row's
        column that says how it was hashed (Keycloak's ``credential_data``)."""
        pw = _password(password)
        row = self._row(stored, salt, user, scheme, params, params_col)
        new, err = _P(), _P()
        rc = _verify_and_upgrade(self._h(), pw, len(pw), *row, ctypes.byref(new), ctypes.byref(err))
        new_hash = _take(new)
        _check(rc, err)
        return rc in (VALID, VALID_NEEDS_UPGRADE), new_hash

    def verify(
        self,
        password: Text,
        stored: Text,
        salt: Optional[Text] = None,
        user: Optional[Text] = None,
        scheme: Optional[Text] = None,
        params: Optional[Params] = None,
        params_col: Optional[Text] = None,
    ) -> Tuple[bool, bool]:
        """Verify only: ``(valid, needs_upgrade)``; never makes a new hash."""
        pw = _password(password)
        row = self._row(stored, salt, user, scheme, params, params_col)
        err = _P()
        rc = _check(_verify(self._h(), pw, len(pw), *row, ctypes.byref(err)), err)
        return rc in (VALID, VALID_NEEDS_UPGRADE), rc == VALID_NEEDS_UPGRADE

    def verify_dummy(self, password: Text) -> bool:
        """For an unknown user: costs what a verify costs; always False."""
        pw = _password(password)
        rc = _verify_dummy(self._h(), pw, len(pw))
        if rc < 0:
            raise RehashError(rc, "rehash_verify_dummy failed")
        return False

    def hash(self, password: Text) -> str:
        """A new hash under the policy's target."""
        pw = _password(password)
        out, err = _P(), _P()
        rc = _hash(self._h(), pw, len(pw), ctypes.byref(out), ctypes.byref(err))
        value = _take(out)
        _check(rc, err)
        assert value is not None
        return value

    def identify(
        self,
        stored: Text,
        salt: Optional[Text] = None,
        user: Optional[Text] = None,
        scheme: Optional[Text] = None,
        params: Optional[Params] = None,
        params_col: Optional[Text] = None,
    ) -> str:
        """The scheme label of a stored string, e.g. ``"phpass"``."""
        out, err = _P(), _P()
        row = self._row(stored, salt, user, scheme, params, params_col)
        rc = _identify(self._h(), *row, ctypes.byref(out), ctypes.byref(err))
        value = _take(out)
        _check(rc, err)
        assert value is not None
        return value

    def needs_upgrade(
        self,
        stored: Text,
        salt: Optional[Text] = None,
        user: Optional[Text] = None,
        scheme: Optional[Text] = None,
        params: Optional[Params] = None,
        params_col: Optional[Text] = None,
    ) -> bool:
        """True when the stored string is below the policy's target."""
        err = _P()
        row = self._row(stored, salt, user, scheme, params, params_col)
        rc = _check(_needs_upgrade(self._h(), *row, ctypes.byref(err)), err)
        return rc == VALID_NEEDS_UPGRADE

    def wrap(
        self,
        stored: Text,
        salt: Optional[Text] = None,
        user: Optional[Text] = None,
        scheme: Optional[Text] = None,
        params: Optional[Params] = None,
        params_col: Optional[Text] = None,
    ) -> str:
        """Argon2id over a legacy hash, without the password (docs/wrap.md).
        The wrapped string verifies with the same ``params`` and
        ``params_col`` as the legacy one."""
        out, err = _P(), _P()
        row = self._row(stored, salt, user, scheme, params, params_col)
        rc = _wrap(self._h(), *row, ctypes.byref(out), ctypes.byref(err))
        value = _take(out)
        _check(rc, err)
        assert value is not None
        return value


_default: Optional[Policy] = None


def identify(
    stored: Text,
    salt: Optional[Text] = None,
    user: Optional[Text] = None,
    scheme: Optional[Text] = None,
    params: Optional[Params] = None,
    params_col: Optional[Text] = None,
) -> str:
    """The scheme label of a stored string under the default policy."""
    global _default
    if _default is None:
        _default = Policy.default()
    return _default.identify(stored, salt=salt, user=user, scheme=scheme, params=params, params_col=params_col)


def wrap(
    stored: Text,
    salt: Optional[Text] = None,
    user: Optional[Text] = None,
    scheme: Optional[Text] = None,
    params: Optional[Params] = None,
    params_col: Optional[Text] = None,
) -> str:
    """:meth:`Policy.wrap` under the default policy."""
    global _default
    if _default is None:
        _default = Policy.default()
    return _default.wrap(stored, salt=salt, user=user, scheme=scheme, params=params, params_col=params_col)


def version() -> str:
    """librehash's version."""
    return _version().decode()
