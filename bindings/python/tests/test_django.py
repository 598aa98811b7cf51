"""rehash.contrib.django in a real Django project (django.contrib.auth on a
SQLite file): legacy users log in through ``authenticate`` and their rows are
upgraded to Django's own Argon2 format, which Django's stock
``Argon2PasswordHasher`` (argon2-cffi) then verifies without asking for an
update. Django and argon2-cffi come with the package's ``[test]`` extra."""

import hashlib
import os

import pytest

try:
    import argon2  # noqa: F401  (Django's stock Argon2 hasher needs it)
    import django
    from django.conf import settings
except ImportError:  # pragma: no cover
    if os.environ.get("CI") in ("true", "1"):
        raise
    pytest.skip(
        "!!! SKIPPED: django and argon2-cffi are not installed (pip install ./bindings/python[test])",
        allow_module_level=True,
    )

import rehash
from rehash.contrib.django import from_django, to_django

MD5CRYPT = "$1$wHJImwTO$NsqANW0ddjBi8pF1uTHrw0"  # "password"
HASHERS = [
    "rehash.contrib.django.Argon2PasswordHasher",
    "rehash.contrib.django.RehashPasswordHasher",
    "rehash.contrib.django.UnsaltedMD5PasswordHasher",
    "rehash.contrib.django.UnsaltedSHA1PasswordHasher",
    "rehash.contrib.django.SHA1PasswordHasher",
    "rehash.contrib.django.MD5PasswordHasher",
    "rehash.contrib.django.CryptPasswordHasher",
    "rehash.contrib.django.PBKDF2WrappedSHA1PasswordHasher",
    "rehash.contrib.django.PBKDF2SHA1PasswordHasher",
    "rehash.contrib.django.BCryptSHA256PasswordHasher",
    "rehash.contrib.django.BCryptPasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
DJANGO_ARGON2 = "argon2$argon2id$v=19$m=102400,t=2,p=8$"


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    db = tmp_path_factory.mktemp("django") / "db.sqlite3"
    settings.configure(
        INSTALLED_APPS=["django.contrib.contenttypes", "django.contrib.auth"],
        DATABASES={"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": str(db)}},
        PASSWORD_HASHERS=HASHERS,
        DEFAULT_AUTO_FIELD="django.db.models.AutoField",
        USE_TZ=True,
        SECRET_KEY="test",
    )
    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    return db


def legacy_rows():
    """(user name, stored value of Django's password column, password)."""
    sha1_salt_pass = hashlib.sha1(b"NaCl" + b"s3cret").hexdigest()
    return [
        # Django's own formats whose hashers Django 5.1 removed:
        ("alice", "5f4dcc3b5aa765d61d8327deb882cf99", "password"),  # bare md5, very old Django
        ("bob", "sha1$$e38bdf2d091551fe9bb710965d31adb22f4b52b7", "CY63Ng1leC7phm"),
        ("carol", "sha1$7lhTNzxPnr8v$9d73254cb967f1b3f3649c118dcd8d1630e06d44", "vHiqpK7vdPYcUQ"),
        ("dave", "crypt$6q$6qk0Tp1fOeERI", "OAt290c"),
        # Imported from other systems as rehash$<meta>$<stored>:
        ("erin", to_django("$H$BbOpup1BA54sR/CHTnTBkfZZN4hJt2."), "hunter2"),  # phpBB
        ("frank", to_django(sha1_salt_pass, family="sha1_salt_pass", salt="NaCl"), "s3cret"),
        (
            "grace",
            to_django("a015c2b7bdf52caab1a01661e5845af0:U+K9IKLdbFfu0XgOYgOjC29GFf*m7s", family="vbulletin"),
            "password",
        ),
        # A wrapped row (Argon2id over md5-crypt, made without the password):
        ("heidi", to_django(rehash.wrap(MD5CRYPT)), "password"),
    ]


def test_to_and_from_django(project):
    assert to_django(MD5CRYPT) == "rehash$$" + MD5CRYPT
    assert from_django("rehash$$" + MD5CRYPT) == (MD5CRYPT, {"family": None})
    enc = to_django(hashlib.sha1(b"N,a$C=lpw").hexdigest(), family="sha1_salt_pass", salt="N,a$C=l")
    stored, row = from_django(enc)
    assert row == {"family": "sha1_salt_pass", "salt": "N,a$C=l"}
    assert rehash.Context().verify("pw", stored, **row)
    with pytest.raises(rehash.AmbiguousHashError):
        to_django("5f4dcc3b5aa765d61d8327deb882cf99")  # bare hex: say its family
    with pytest.raises(ValueError):
        to_django("$6$" + "a" * 130)
    with pytest.raises(rehash.MalformedHashError):
        from_django("rehash$md5_hex,pepper=eA==$abc")


def test_legacy_logins_upgrade_to_djangos_argon2(project):
    from django.contrib.auth import authenticate
    from django.contrib.auth.hashers import Argon2PasswordHasher as StockArgon2
    from django.contrib.auth.hashers import check_password, identify_hasher
    from django.contrib.auth.models import User

    stock = StockArgon2()
    for name, stored, password in legacy_rows():
        user = User.objects.create(username=name, password=stored)
        assert identify_hasher(stored).__module__ == "rehash.contrib.django"
        # A wrong password: refused, the row is untouched.
        assert authenticate(username=name, password=password + "x") is None
        user.refresh_from_db()
        assert user.password == stored
        # The right one: logged in, and the row is now Django's Argon2.
        assert authenticate(username=name, password=password) == user
        user.refresh_from_db()
        upgraded = user.password
        assert upgraded.startswith(DJANGO_ARGON2), (name, upgraded)
        # Django's stock hasher (argon2-cffi, no rehash) verifies it, and
        # finds nothing to update.
        assert stock.verify(password, upgraded)
        assert not stock.verify(password + "x", upgraded)
        assert not stock.must_update(upgraded)
        assert check_password(password, upgraded, preferred="default")
        # The next login changes nothing.
        assert authenticate(username=name, password=password) == user
        user.refresh_from_db()
        assert user.password == upgraded


def test_argon2_hasher_is_djangos(project):
    from django.contrib.auth.hashers import Argon2PasswordHasher as StockArgon2
    from django.contrib.auth.hashers import make_password

    from rehash.contrib.django import Argon2PasswordHasher

    ours, stock = Argon2PasswordHasher(), StockArgon2()
    salt = stock.salt()
    # Byte for byte what Django writes, for the same salt.
    assert ours.encode("pässword", salt) == stock.encode("pässword", salt)
    made = make_password("pässword")
    assert made.startswith(DJANGO_ARGON2)
    assert stock.decode(made)["salt"].isalnum() and len(stock.decode(made)["salt"]) == 22
    assert ours.decode(made) == {k: v for k, v in stock.decode(made).items() if k != "params"}
    assert ours.safe_summary(made) == stock.safe_summary(made)
    assert not ours.must_update(made) and not stock.must_update(made)
    # Rows Django wrote are read by ours, with Django's update rule.
    written = stock.encode("secret", stock.salt())
    assert ours.verify("secret", written) and not ours.verify("secreT", written)
    assert not ours.must_update(written)

    class Weaker(StockArgon2):
        memory_cost = 19456
        parallelism = 1

    weak = Weaker().encode("secret", stock.salt())
    assert ours.verify("secret", weak)
    assert ours.must_update(weak) and stock.must_update(weak)
    short_salt = stock.encode("secret", "abcd1234")  # 8 characters: under 128 bits
    assert ours.must_update(short_salt) and stock.must_update(short_salt)
    argon2i = (
        "argon2"
        + argon2.low_level.hash_secret(
            b"secret", b"saltsaltsaltsaltsaltsa", 2, 102400, 8, 32, argon2.low_level.Type.I
        ).decode()
    )
    assert ours.verify("secret", argon2i)
    assert ours.must_update(argon2i) and stock.must_update(argon2i)
    assert not ours.verify("secret", "argon2$argon2id$garbage")


def test_verify_only_hashers(project):
    from django.contrib.auth.hashers import get_hasher, identify_hasher, make_password

    h = identify_hasher("sha1$$e38bdf2d091551fe9bb710965d31adb22f4b52b7")
    assert h.algorithm == "unsalted_sha1" and h.must_update("whatever")
    with pytest.raises(ValueError):
        h.encode("password", "salt")
    assert h.safe_summary("sha1$$e38bdf2d091551fe9bb710965d31adb22f4b52b7")["family"] == "django_unsalted_sha1"
    r = get_hasher("rehash")
    assert r.verify("password", "rehash$$" + MD5CRYPT)
    assert not r.verify("password", "rehash$$garbage")  # unreadable: a failed login, not a crash
    assert r.decode("rehash$$" + MD5CRYPT)["family"] == "md5_crypt"
    # Unusable passwords stay unusable.
    assert make_password(None).startswith("!")
