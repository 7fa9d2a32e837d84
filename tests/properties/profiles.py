"""Hypothesis profiles for the property suite.

- "ci" (the default, what `make test` runs): derandomized, so every run tries the same
  examples (a failure is reproducible, never a coin toss), few examples per property, no
  example database, no deadline (speed is the benchmarks' business, not a test's).
- "fuzz" (`make fuzz`, for nights): random, a hundred times the examples, with the example
  database under .hypothesis/ so a failure found at night replays the next morning.

Choose with HYPOTHESIS_PROFILE=fuzz. Properties whose examples are expensive (documents)
ask for `examples(n)`: n under "ci", 100 n under "fuzz".
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

FUZZ_FACTOR = 100

settings.register_profile(
    "ci",
    max_examples=300,
    derandomize=True,
    database=None,
    deadline=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.register_profile(
    "fuzz",
    max_examples=300 * FUZZ_FACTOR,
    deadline=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
PROFILE = os.environ.get("HYPOTHESIS_PROFILE", "ci")
settings.load_profile(PROFILE)


def examples(n: int) -> int:
    return n * FUZZ_FACTOR if PROFILE == "fuzz" else n
