"""Every vector of every wave (tests/vectors/*.jsonl) through the package:
valid ones verify as their family (and upgrade to an Argon2id hash that then
verifies without upgrade), negatives do not, malformed ones raise a
RehashError or are invalid. A family hint is given only where the catalogue
says the string is not self-describing, as the Rust suite does."""

import pytest

import rehash
from conftest import load, vector_files

VECTORS = [v for f in vector_files() for v in load(f)]
HINTED = {f.name for f in rehash.families() if f.needs_declaration}


@pytest.fixture(scope="module")
def ctx():
    # The default target; failed logins are not padded, so the suite stays short.
    return rehash.Context(equal_time_failures=False)


def password(v):
    if "password_hex" in v:
        return bytes.fromhex(v["password_hex"])
    return v["password"].encode()


def row(v):
    family = v.get("family")
    return dict(
        salt=v.get("salt"),
        user=v.get("user"),
        params=v.get("params"),
        params_col=v.get("params_col"),
        family=family if family in HINTED else None,
    )


def test_every_wave_is_there():
    names = {f.name for f in vector_files()}
    if not names:
        pytest.skip("!!! SKIPPED: shared vectors not found (set REHASH_VECTORS)")
    assert {"valid_invalid.jsonl", "more_valid_invalid.jsonl", "wave3_valid_invalid.jsonl"} <= names
    assert len(VECTORS) > 1200
    assert {v["expect"] for v in VECTORS} == {"valid", "invalid", "error", "not_valid"}
    known = {f.name for f in rehash.families()}
    assert {v["family"] for v in VECTORS if "family" in v} <= known


@pytest.mark.parametrize("v", VECTORS, ids=[v["id"] for v in VECTORS])
def test_vector(ctx, v):
    pw, kw, expect = password(v), row(v), v["expect"]
    if expect == "valid":
        ok, new_hash = ctx.verify_and_update(pw, v["hash"], **kw)
        assert ok
        assert ctx.identify(v["hash"], required=True, **kw) == v["family"]
        if new_hash is not None:
            assert new_hash.startswith("$argon2id$v=19$m=19456,t=2,p=1$")
            assert ctx.verify_and_update(pw, new_hash) == (True, None)
        else:
            assert not ctx.needs_update(v["hash"], **kw)
    elif expect == "invalid":
        assert ctx.verify_and_update(pw, v["hash"], **kw) == (False, None)
        assert ctx.verify(pw, v["hash"], **kw) is False
        assert ctx.identify(v["hash"], **kw) == v["family"]
    elif expect == "error":
        with pytest.raises(rehash.RehashError) as e:
            ctx.verify_and_update(pw, v["hash"], **kw)
        assert e.value.kind
        assert v["hash"] not in str(e.value) or len(v["hash"]) < 8
    else:
        try:
            result = ctx.verify_and_update(pw, v["hash"], **kw)
        except rehash.RehashError:
            return
        assert result == (False, None)
