"""The Python API: policies, the upgrade flow, errors, threads."""

import concurrent.futures

import pytest

import rehash

MD5 = "5f4dcc3b5aa765d61d8327deb882cf99"  # md5("password")
MD5CRYPT = "$1$wHJImwTO$NsqANW0ddjBi8pF1uTHrw0"  # "password"
PHPASS = "$P$9IQRaTwmfeRo7ud9Fh4E2PdI0S3r.L0"  # WordPress, "test12345"


@pytest.fixture(scope="module")
def policy():
    return rehash.Policy.from_toml('[legacy]\ndeclare = ["md5_hex"]\n[timing]\nequal_time_failures = false\n')


def test_version_and_library():
    assert rehash.version() == "0.1.0"
    assert "rehash" in rehash.library_path


def test_upgrade_flow_md5_to_argon2id(policy):
    valid, new_hash = policy.verify_and_upgrade("password", MD5)
    assert valid and new_hash.startswith("$argon2id$v=19$m=19456,t=2,p=1$")
    assert policy.identify(new_hash) == "argon2id"
    assert not policy.needs_upgrade(new_hash)
    # The stored row now holds new_hash: the next login is valid, no upgrade.
    assert policy.verify_and_upgrade("password", new_hash) == (True, None)
    assert policy.verify_and_upgrade("wrong", new_hash) == (False, None)
    assert policy.verify_and_upgrade("wrong", MD5) == (False, None)


def test_wordpress_phpass(policy):
    assert policy.identify(PHPASS) == "phpass"
    valid, new_hash = policy.verify_and_upgrade("test12345", PHPASS)
    assert valid and new_hash.startswith("$argon2id$")
    assert policy.verify_and_upgrade("test12346", PHPASS) == (False, None)


def test_default_policy_and_module_helpers():
    p = rehash.Policy.default()
    assert rehash.identify(MD5CRYPT) == "md5_crypt"
    assert rehash.identify(MD5, scheme="md5_hex") == "md5_hex"
    with pytest.raises(rehash.RehashError) as e:
        rehash.identify(MD5)  # not self-describing
    assert e.value.code == rehash.ERROR and "md5_hex" in e.value.message and MD5 not in e.value.message
    assert p.needs_upgrade(MD5CRYPT)
    h = p.hash("s3cret")
    assert p.verify("s3cret", h) == (True, False)
    assert p.verify(b"s3cret", h) == (True, False)
    p.close()
    with pytest.raises(rehash.RehashError):
        p.hash("x")


def test_wrap(policy):
    wrapped = rehash.wrap(MD5CRYPT)
    assert wrapped.startswith("$rw2$m1") and "NsqANW0ddjBi8pF1uTHrw0" not in wrapped
    valid, new_hash = policy.verify_and_upgrade("password", wrapped)
    assert valid and new_hash.startswith("$argon2id$")
    with pytest.raises(rehash.RehashError):
        policy.wrap(wrapped)


def test_errors(policy):
    with pytest.raises(rehash.RehashError) as e:
        rehash.Policy.from_toml('[target]\nscheme = "md5"\n')
    assert e.value.code == rehash.ERROR
    with pytest.raises(rehash.RehashError) as e:
        policy.verify_and_upgrade("password", MD5CRYPT + "\0junk")
    assert e.value.code == rehash.ERR_EMBEDDED_NUL
    with pytest.raises(rehash.RehashError) as e:
        policy.verify_and_upgrade("password", b"$1$\xff$abc")
    assert e.value.code == rehash.ERR_NOT_UTF8
    with pytest.raises(rehash.RehashError) as e:
        policy.verify_and_upgrade("password", MD5, scheme="nope")
    assert e.value.code == rehash.ERROR
    with pytest.raises(rehash.RehashError) as e:
        policy.verify_and_upgrade("x" * 5000, MD5CRYPT)
    assert "longer" in e.value.message and "xxxx" not in e.value.message
    # A password is bytes: a NUL inside is data, not an error.
    h = policy.hash(b"pass\0word")
    assert policy.verify(b"pass\0word", h) == (True, False)
    assert policy.verify(b"pass", h) == (False, False)
    assert policy.verify_dummy("whatever") is False


def test_one_policy_many_threads(policy):
    def login(i):
        ok, _ = policy.verify(b"password", MD5CRYPT)
        bad, _ = policy.verify(b"Password", MD5CRYPT)
        return ok and not bad

    with concurrent.futures.ThreadPoolExecutor(max_workers=4) as pool:
        assert all(pool.map(login, range(64)))


def test_params_and_params_col(policy):
    # md5_crypt reads neither: given, they change nothing.
    kw = dict(params={"base64_signer_key": "a2V5", "rounds": 8, "legacy": True}, params_col="pbkdf2$50000$50")
    assert policy.verify("password", MD5CRYPT, **kw) == (True, True)
    assert policy.verify("Password", MD5CRYPT, **kw) == (False, False)
    valid, new_hash = policy.verify_and_upgrade("password", MD5CRYPT, **kw)
    assert valid and new_hash.startswith("$argon2id$")
    assert policy.identify(MD5CRYPT, **kw) == "md5_crypt"
    assert policy.needs_upgrade(MD5CRYPT, **kw)
    wrapped = policy.wrap(MD5CRYPT, **kw)
    assert policy.verify("password", wrapped, **kw) == (True, True)
    assert rehash.identify(MD5CRYPT, params='{"rounds": 8}', params_col=b"x") == "md5_crypt"
    assert policy.verify("password", MD5CRYPT, params="{}", params_col="") == (True, True)
    # Refused, with a code and a message that quotes no value.
    for bad in ['{"key": "s3cret"', '["s3cret"]', '{"a": {"b": "s3cret"}}', '{"a": 1.5, "b": "s3cret"}']:
        with pytest.raises(rehash.RehashError) as e:
            policy.verify("password", MD5CRYPT, params=bad)
        assert e.value.code == rehash.ERROR and "params" in e.value.message and "s3cret" not in e.value.message
    with pytest.raises(TypeError):
        policy.verify("password", MD5CRYPT, params={"a": 1.5})
    with pytest.raises(TypeError):
        policy.verify("password", MD5CRYPT, params={"a": None})
    with pytest.raises(rehash.RehashError) as e:
        policy.verify("password", MD5CRYPT, params=b'{"k": "\xff"}')
    assert e.value.code == rehash.ERR_NOT_UTF8 and e.value.message == "params is not valid UTF-8"
    with pytest.raises(rehash.RehashError) as e:
        policy.verify("password", MD5CRYPT, params_col="a\0b")
    assert e.value.code == rehash.ERR_EMBEDDED_NUL
    # In a mapping, a NUL inside a value is JSON-escaped: it reaches the library as data.
    assert policy.verify("password", MD5CRYPT, params={"k": "a\0b"}) == (True, True)


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


def test_firebase_and_keycloak_rows(policy):
    f = FIREBASE
    row = dict(salt=f["salt"], scheme="firebase_scrypt", params=f["params"])
    assert policy.verify("user1password", f["hash"], **row) == (True, True)
    assert policy.verify("user1passwore", f["hash"], **row) == (False, False)
    with pytest.raises(rehash.RehashError) as e:
        policy.verify("user1password", f["hash"], salt=f["salt"], scheme="firebase_scrypt")
    assert "params.base64_signer_key" in e.value.message
    wrapped = policy.wrap(f["hash"], **row)
    assert policy.verify("user1password", wrapped, **row) == (True, True)
    secret = (
        '{"value":"84cjgpXsACQGQn2PGT6xu6puxCtJDaiOqRLlwTznon/WAXuMXUsIBwpHYRN5w+Wp+0vnM54AE+NJ92CeFHfXpg==",'
        '"salt":"4P8vLvL6Xj23Uu+YHth1+g==","additionalParameters":{}}'
    )
    data = '{"hashIterations":27500,"algorithm":"pbkdf2-sha256","additionalParameters":{}}'
    assert policy.identify(secret, scheme="keycloak_pbkdf2", params_col=data) == "keycloak_pbkdf2"
    valid, new_hash = policy.verify_and_upgrade("Vhb70JRTh", secret, scheme="keycloak_pbkdf2", params_col=data)
    assert valid and new_hash.startswith("$argon2id$")
