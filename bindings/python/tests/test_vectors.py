"""Every shared vector (both waves) through the Python binding: valid ones
verify (and upgrade to an Argon2id hash that verifies without upgrade),
negatives do not, malformed ones raise or are invalid."""

import pytest

import rehash
from conftest import load, require_vectors

# Families that are not self-describing (../shared/vectors/README.md, "Hints").
HINTED = set(
    "md5_hex sha1_hex sha256_hex sha512_hex md5_md5_hex ntlm mysql41 postgres_md5 md5_pass_salt "
    "md5_salt_pass sha1_salt_pass sha256_salt_pass sha256_pass_salt sha512_pass_salt vbulletin "
    "des_crypt mysql323 hex_md4 bigcrypt".split()
)

FILES = ["valid_invalid.jsonl", "malformed.jsonl", "more_valid_invalid.jsonl", "more_malformed.jsonl"]
VECTORS = [v for f in FILES for v in load(f)]


@pytest.fixture(scope="module")
def policy():
    # The default target; failed logins are not padded, so the suite stays short.
    with rehash.Policy.from_toml("[timing]\nequal_time_failures = false\n") as p:
        yield p


def password(v):
    if "password_hex" in v:
        return bytes.fromhex(v["password_hex"])
    return v["password"].encode()


def test_vectors_are_there():
    require_vectors()
    assert len(VECTORS) > 600
    assert {v["expect"] for v in VECTORS} == {"valid", "invalid", "error", "not_valid"}


@pytest.mark.parametrize("v", VECTORS, ids=[v["id"] for v in VECTORS])
def test_vector(policy, v):
    family = v.get("family")
    args = dict(salt=v.get("salt"), user=v.get("user"), scheme=family if family in HINTED else None)
    pw = password(v)
    expect = v["expect"]
    if expect == "valid":
        valid, new_hash = policy.verify_and_upgrade(pw, v["hash"], **args)
        assert valid
        assert policy.identify(v["hash"], **args) == family
        if new_hash is not None:
            assert new_hash.startswith("$argon2id$v=19$m=19456,t=2,p=1$")
            assert policy.verify_and_upgrade(pw, new_hash) == (True, None)
    elif expect == "invalid":
        assert policy.verify_and_upgrade(pw, v["hash"], **args) == (False, None)
    elif expect == "error":
        with pytest.raises(rehash.RehashError) as e:
            policy.verify_and_upgrade(pw, v["hash"], **args)
        assert v["hash"] not in e.value.message or len(v["hash"]) < 8
    else:
        try:
            result = policy.verify_and_upgrade(pw, v["hash"], **args)
        except rehash.RehashError:
            return
        assert result == (False, None)
