"""The Python API: Context (passlib's names), the policy file and keyword
arguments, the row's keywords, errors, bytes and str, threads."""

import concurrent.futures
import threading
import time

import pytest

import rehash
from rehash import Context

MD5 = "5f4dcc3b5aa765d61d8327deb882cf99"  # md5("password")
MD5CRYPT = "$1$wHJImwTO$NsqANW0ddjBi8pF1uTHrw0"  # "password"
PHPASS = "$P$9IQRaTwmfeRo7ud9Fh4E2PdI0S3r.L0"  # WordPress, "test12345"

FIREBASE = dict(
    hash="lSrfV15cpx95/sZS2W9c9Kp6i/LVgQNDNC/qzrCnh1SAyZvqmZqAjTdn3aoItz+VHjoZilo78198JAdRuid5lQ==",
    salt="42xEC+ixf3L2lw==",
    params={
        "base64_signer_key": "jxspr8Ki0RYycVU8zykbdLGjFQ3McFUH0uiiTvC8pVMXAn210wjLNmdZJzxUECKbm0QsEmYUSDzZvpjeJ9WmXA==",
        "base64_salt_separator": "Bw==",
        "rounds": 8,
        "mem_cost": 14,
    },
)  # firebase/scrypt's published example, "user1password"


@pytest.fixture(scope="module")
def ctx():
    return Context(declare=["md5_hex"], equal_time_failures=False)


def test_version_and_extension():
    assert rehash.version() == rehash.__version__ == "0.1.0"
    assert rehash._rehash.__file__.endswith((".so", ".pyd"))
    fams = rehash.families()
    assert len(fams) >= 145
    by_name = {f.name: f for f in fams}
    assert by_name["md5_hex"].needs_declaration and by_name["md5_hex"].kind == "legacy"
    assert not by_name["argon2id"].needs_declaration and by_name["argon2id"].kind == "modern"


def test_passlib_login_flow(ctx):
    ok, new_hash = ctx.verify_and_update("password", MD5)
    assert ok and new_hash.startswith("$argon2id$v=19$m=19456,t=2,p=1$")
    assert len(new_hash) == ctx.hash_len
    assert ctx.identify(new_hash) == "argon2id"
    assert not ctx.needs_update(new_hash)
    assert ctx.needs_update(MD5)
    # The row now holds new_hash: the next login is valid and writes nothing.
    assert ctx.verify_and_update("password", new_hash) == (True, None)
    assert ctx.verify_and_update("wrong", new_hash) == (False, None)
    assert ctx.verify_and_update("wrong", MD5) == (False, None)
    assert ctx.verify("password", MD5) is True
    assert ctx.verify("wrong", MD5) is False
    assert ctx.verify(b"password", MD5.encode()) is True
    assert ctx.verify(bytearray(b"password"), MD5) is True


def test_hash_identify_dummy(ctx):
    h = ctx.hash("s3cret")
    assert h != ctx.hash("s3cret")
    assert ctx.verify("s3cret", h) and not ctx.verify("s3creT", h)
    assert ctx.identify(PHPASS) == "phpass"
    assert ctx.identify(MD5CRYPT) == "md5_crypt"
    assert ctx.inspect(PHPASS) == {"family": "phpass", "params": {"rounds": 2048}}  # $P$9: 2^11
    # passlib's identify: None for what it does not recognise, unless required.
    assert ctx.identify("no hash at all") is None
    with pytest.raises(rehash.MalformedHashError):
        ctx.identify("no hash at all", required=True)
    sha1 = "5baa61e4c9b93f3f0682250b6cf8331b7ee68fd8"  # not declared: ambiguous
    assert ctx.identify(sha1) is None
    with pytest.raises(rehash.AmbiguousHashError) as e:
        ctx.identify(sha1, required=True)
    assert "sha1_hex" in e.value.candidates and sha1 not in str(e.value)
    assert ctx.identify(sha1, family="sha1_hex") == "sha1_hex"
    assert ctx.identify(sha1, scheme="sha1_hex") == "sha1_hex"  # passlib's name for the hint
    assert ctx.dummy_verify() is False
    assert ctx.dummy_verify(elapsed=0.1, secret="whatever") is False


def test_keyword_arguments_are_the_policy_file(tmp_path):
    toml = (
        '[target]\nscheme = "argon2id"\nm_kib = 19456\nt = 3\np = 1\n'
        '[legacy]\ndeclare = ["md5_hex", "sha1_hex"]\n[timing]\nequal_time_failures = false\n'
    )
    kw = Context(
        target={"scheme": "argon2id", "m_kib": 19456, "t": 3, "p": 1},
        declare=["md5_hex", "sha1_hex"],
        equal_time_failures=False,
    )
    path = tmp_path / "rehash.toml"
    path.write_text(toml)
    for c in (kw, Context.from_string(toml), Context.from_path(path), Context.from_path(str(path))):
        assert c.target == "argon2id" and c.target_params == {"m_kib": 19456, "t": 3, "p": 1}
        assert c.identify(MD5) == "md5_hex"
        ok, new = c.verify_and_update("password", MD5)
        assert ok and new.startswith("$argon2id$v=19$m=19456,t=3,p=1$")
    assert Context(target="bcrypt_sha256" if False else "argon2id").target == "argon2id"
    assert Context(target={"scheme": "bcrypt", "cost": 10}).hash("x").startswith("$2b$10$")
    dj = Context(target="django_argon2")
    assert dj.target == "django_argon2" and dj.target_params == {"m_kib": 102400, "t": 2, "p": 8}
    assert Context().target_params == {"m_kib": 19456, "t": 2, "p": 1}
    # Every other table: ceilings, kdf, password, params, recipes.
    c = Context(
        ceilings={"memory_kib": 65536},
        argon2_threads=2,
        max_password_bytes=16,
        normalize="nfc",
        params={"rounds": 8, "legacy": True, "note": 'quote " and \\ backslash'},
        recipes=[{"notation": "md5($salt.$pass)", "encoding": "hex", "layout": "hash_colon_salt"}],
    )
    with pytest.raises(rehash.PasswordTooLongError):
        c.hash("x" * 17)
    assert c.hash("é").startswith("$argon2id$v=19$m=19456,t=2,p=1,data=")
    # md5("salt" + "password") as hash:salt, through the recipe.
    import hashlib

    row = hashlib.md5(b"saltpassword").hexdigest() + ":salt"
    assert c.identify(row, family="recipe") == "recipe"
    assert c.verify("password", row, family="recipe")


def test_config_errors():
    with pytest.raises(rehash.ConfigError) as e:
        Context(target="md5")
    assert e.value.kind == "invalid_config" and "target.scheme" in str(e.value)
    with pytest.raises(rehash.ConfigError):
        Context.from_string("[target]\nshceme = 'argon2id'\n")  # typo: refused, not ignored
    with pytest.raises(rehash.ConfigError):
        Context(target={"scheme": "argon2id", "m_kib": 1024})  # under the OWASP floor
    with pytest.raises(TypeError):
        Context(nonsense=1)
    with pytest.raises(TypeError):
        Context(params={"a": 1.5})
    with pytest.raises(rehash.ConfigError):
        Context().verify("password", MD5, family="no_such_family")
    with pytest.raises(TypeError):
        Context().verify("password", MD5, colour="blue")
    with pytest.raises(TypeError):
        Context(rehash.Policy.default(), declare=["md5_hex"])


def test_error_classes(ctx):
    # Every class is a RehashError and a ValueError (passlib raises ValueError).
    for cls in (
        rehash.MalformedHashError,
        rehash.AmbiguousHashError,
        rehash.ParameterOutOfRangeError,
        rehash.UnsupportedHashError,
        rehash.PasswordTooLongError,
        rehash.MissingInputError,
        rehash.NotUtf8Error,
        rehash.UnknownPepperError,
        rehash.ConfigError,
        rehash.InternalError,
    ):
        assert issubclass(cls, rehash.RehashError) and issubclass(cls, ValueError)
    cases = [
        (rehash.MalformedHashError, "malformed", lambda: ctx.verify("pw", "$1$abc")),
        (rehash.MalformedHashError, "malformed", lambda: ctx.verify("pw", MD5CRYPT + "\0junk")),
        (rehash.AmbiguousHashError, "ambiguous", lambda: Context().verify("pw", MD5)),
        (
            rehash.ParameterOutOfRangeError,
            "parameter_out_of_range",
            lambda: ctx.verify("pw", "$2a$17$N9qo8uLOickgx2ZMRZoMyeIjZAgcfl7p92ldGxad68LJZdL17lhWy"),
        ),
        (rehash.PasswordTooLongError, "password_too_long", lambda: ctx.verify("x" * 5000, MD5CRYPT)),
        (
            rehash.MissingInputError,
            "missing_input",
            lambda: ctx.verify("pw", "md5bb8e41a9c1aba3ec56e3fee1c4d1e6a6", family="postgres_md5"),
        ),
        (rehash.NotUtf8Error, "not_utf8", lambda: ctx.verify("pw", b"$1$\xff$abc")),
        (rehash.NotUtf8Error, "not_utf8", lambda: ctx.verify("\ud800", MD5CRYPT)),
        (
            rehash.NotUtf8Error,
            "password_not_utf8",
            lambda: ctx.verify(b"\xff", "8846f7eaee8fb117ad06bdd830b7586c", family="ntlm"),
        ),
        (rehash.UnsupportedHashError, "unsupported", lambda: ctx.wrap(ctx.wrap(MD5CRYPT))),
        (
            rehash.UnknownPepperError,
            "unknown_pepper",
            lambda: ctx.verify("pw", "$argon2id$v=19$m=19456,t=2,p=1,keyid=azE$c2FsdHNhbHRzYWx0$" + "A" * 43),
        ),
    ]
    for cls, kind, call in cases:
        with pytest.raises(cls) as e:
            call()
        assert e.value.kind == kind, (cls, e.value.kind)
        assert "xxxx" not in str(e.value) and "junk" not in str(e.value)
    with pytest.raises(rehash.ParameterOutOfRangeError) as e:
        ctx.verify("pw", "$2a$17$N9qo8uLOickgx2ZMRZoMyeIjZAgcfl7p92ldGxad68LJZdL17lhWy")
    assert e.value.family == "bcrypt"
    # A password is bytes: a NUL inside is data, not an error.
    h = ctx.hash(b"pass\0word")
    assert ctx.verify(b"pass\0word", h) and not ctx.verify(b"pass", h)
    with pytest.raises(TypeError):
        ctx.verify(12345, MD5)
    with pytest.raises(TypeError):
        ctx.verify("pw", None)


def test_wrap_and_module_helpers(ctx):
    wrapped = rehash.wrap(MD5CRYPT)
    assert wrapped.startswith("$rw2$m1") and "NsqANW0ddjBi8pF1uTHrw0" not in wrapped
    assert rehash.identify(wrapped) == "rehash_wrap"
    ok, new_hash = ctx.verify_and_update("password", wrapped)
    assert ok and new_hash.startswith("$argon2id$")
    assert ctx.verify_and_update("Password", wrapped) == (False, None)
    assert rehash.identify(MD5, family="md5_hex") == "md5_hex"
    with pytest.raises(rehash.AmbiguousHashError):
        rehash.identify(MD5)


def test_row_keywords(ctx):
    f = FIREBASE
    row = dict(salt=f["salt"], family="firebase_scrypt", params=f["params"])
    assert ctx.verify("user1password", f["hash"], **row)
    assert not ctx.verify("user1passwore", f["hash"], **row)
    ok, new = ctx.verify_and_update("user1password", f["hash"], **row)
    assert ok and new.startswith("$argon2id$")
    with pytest.raises(rehash.MissingInputError) as e:
        ctx.verify("user1password", f["hash"], salt=f["salt"], family="firebase_scrypt")
    assert "params.base64_signer_key" in str(e.value)
    import json

    assert ctx.verify(
        "user1password", f["hash"], salt=f["salt"], family="firebase_scrypt", params=json.dumps(f["params"])
    )
    secret = (
        '{"value":"84cjgpXsACQGQn2PGT6xu6puxCtJDaiOqRLlwTznon/WAXuMXUsIBwpHYRN5w+Wp+0vnM54AE+NJ92CeFHfXpg==",'
        '"salt":"4P8vLvL6Xj23Uu+YHth1+g==","additionalParameters":{}}'
    )
    data = '{"hashIterations":27500,"algorithm":"pbkdf2-sha256","additionalParameters":{}}'
    assert ctx.identify(secret, family="keycloak_pbkdf2", params_col=data) == "keycloak_pbkdf2"
    ok, new = ctx.verify_and_update("Vhb70JRTh", secret, family="keycloak_pbkdf2", params_col=data)
    assert ok and new.startswith("$argon2id$")
    # postgres_md5: the user name is the salt.
    pg = "md5" + __import__("hashlib").md5(b"passwordalice").hexdigest()
    assert ctx.verify("password", pg, family="postgres_md5", user="alice")
    assert not ctx.verify("password", pg, family="postgres_md5", user="bob")
    with pytest.raises(TypeError):
        ctx.verify("password", MD5, family="md5_hex", scheme="sha1_hex")


def test_one_context_many_threads(ctx):
    def login(i):
        return ctx.verify(b"password", MD5CRYPT) and not ctx.verify(b"Password", MD5CRYPT)

    with concurrent.futures.ThreadPoolExecutor(max_workers=4) as pool:
        assert all(pool.map(login, range(64)))


def test_the_gil_is_released_while_hashing():
    """While one thread verifies a costly Argon2id hash, another runs Python
    code: its longest stall is far shorter than the verify. (The throughput
    of two threads is measured in scripts/bench-python.py.)"""
    c = Context(target={"scheme": "argon2id", "m_kib": 65536, "t": 4, "p": 1})
    h = c.hash("password")
    start = time.perf_counter()
    assert c.verify("password", h)
    one = time.perf_counter() - start
    done = threading.Event()

    def worker():
        for _ in range(3):
            c.verify("password", h)
        done.set()

    t = threading.Thread(target=worker)
    t.start()
    last, stall, ticks = time.perf_counter(), 0.0, 0
    while not done.is_set():
        now = time.perf_counter()
        stall, last, ticks = max(stall, now - last), now, ticks + 1
    t.join()
    # With the GIL held, a stall would be a whole verify (`one`).
    assert ticks > 100
    assert stall < one / 2, (stall, one)
