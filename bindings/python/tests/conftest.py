"""Where the vectors are: $REHASH_VECTORS, else the repository's tests/vectors
(a copy of ../shared/vectors, as the Rust tests read them)."""

import json
import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]


def vectors_dir():
    env = os.environ.get("REHASH_VECTORS")
    d = Path(env) if env else ROOT / "tests" / "vectors"
    return d if (d / "valid_invalid.jsonl").is_file() else None


def vector_files():
    """Every wave's files: tests/vectors/*.jsonl."""
    d = vectors_dir()
    return sorted(d.glob("*.jsonl")) if d else []


def load(path):
    out = []
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        if line.strip():
            out.append(json.loads(line))
    return out


def load_named(name):
    d = vectors_dir()
    return load(d / name) if d else []


def require_vectors():
    if vectors_dir() is None:
        pytest.skip("!!! SKIPPED: shared vectors not found (set REHASH_VECTORS)")
