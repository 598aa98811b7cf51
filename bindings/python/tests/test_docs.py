"""The runnable example of docs/migrate/passlib.md, run as it is shown."""

import pytest

from conftest import ROOT

GUIDE = ROOT / "docs" / "migrate" / "passlib.md"
MARK = "<!-- tested: bindings/python/tests/test_docs.py runs this block -->"


def test_passlib_guide_example():
    if not GUIDE.is_file():
        pytest.skip(f"!!! SKIPPED: {GUIDE} not found (run from the repository)")
    text = GUIDE.read_text(encoding="utf-8")
    assert text.count(MARK) == 1
    block = text.split(MARK, 1)[1].split("```python\n", 1)[1].split("```", 1)[0]
    assert "verify_and_update" in block and "assert" in block
    exec(compile(block, str(GUIDE), "exec"), {"__name__": "passlib_guide"})


def test_policy_toml_is_the_file():
    import rehash

    text = rehash.policy_toml(target="django_argon2", declare=["md5_hex"], params={"note": 'x"y\\z'})
    assert text.startswith('[target]\nscheme = "django_argon2"\n')
    assert '[legacy]\ndeclare = ["md5_hex"]\n' in text and 'note = "x\\"y\\\\z"' in text
    assert rehash.Context.from_string(text).target == "django_argon2"
    # A key the file refuses is refused from keywords too.
    with pytest.raises(rehash.ConfigError):
        rehash.Context(params={"a b": "x"})
