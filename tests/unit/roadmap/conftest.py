"""Roadmap-import fixtures: the real samples (skipped with a reason when absent) and the
hand-made ones in tests/fixtures/roadmap."""

from __future__ import annotations

from pathlib import Path

import pytest

SAMPLES_DIR = Path(__file__).resolve().parents[4] / "shared" / "samples"
FIXTURES_DIR = Path(__file__).resolve().parents[2] / "fixtures" / "roadmap"
SAMPLE_FILES = {
    "000": "000_e27fd93dde372018.txt",
    "002": "002_6e3e695228452652.txt",
    "004": "004_d69cd12a23d95c9e.txt",
}


@pytest.fixture(scope="session")
def roadmap_samples() -> Path:
    if not (SAMPLES_DIR / SAMPLE_FILES["000"]).is_file():
        pytest.skip(f"the shared roadmap samples are not beside this checkout ({SAMPLES_DIR})")
    return SAMPLES_DIR


@pytest.fixture(scope="session")
def sample_text(roadmap_samples: Path):
    def read(key: str) -> str:
        return (roadmap_samples / SAMPLE_FILES[key]).read_text(encoding="utf-8")

    return read


@pytest.fixture
def fixture_text():
    def read(name: str) -> str:
        return (FIXTURES_DIR / name).read_text(encoding="utf-8")

    return read
