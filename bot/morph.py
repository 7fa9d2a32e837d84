"""One shared pymorphy3 analyser and cached look-ups on it (questions and the importer).

Building a MorphAnalyzer costs ~0.1 s and tens of MB, so it is made once, on first use; the
same few hundred words recur in every question, so each look-up is cached.
"""

from __future__ import annotations

import threading
from functools import lru_cache
from typing import Any

import pymorphy3

_LOCK = threading.Lock()
_MORPH: pymorphy3.MorphAnalyzer | None = None


def morph() -> pymorphy3.MorphAnalyzer:
    global _MORPH
    if _MORPH is None:
        with _LOCK:
            if _MORPH is None:
                _MORPH = pymorphy3.MorphAnalyzer()
    return _MORPH


def fold(text: str) -> str:
    """Lowercase and ё→е: people type both, documents mostly use е."""
    return text.lower().replace("ё", "е")


@lru_cache(maxsize=65536)
def parses(word: str) -> tuple[Any, ...]:
    return tuple(morph().parse(word))


@lru_cache(maxsize=65536)
def lemma(word: str) -> str:
    """Folded normal form of the most likely reading (digits and Latin words come back as-is)."""
    if not word or not word.isalpha():
        return word
    found = parses(word)
    return fold(found[0].normal_form) if found else word


@lru_cache(maxsize=65536)
def pos(word: str) -> str | None:
    found = parses(word)
    return found[0].tag.POS if found else None


@lru_cache(maxsize=65536)
def is_known(word: str) -> bool:
    return bool(word) and morph().word_is_known(word)
