"""Loads the Hypothesis profile (see profiles.py) before any property runs."""

from tests.properties import profiles  # noqa: F401
