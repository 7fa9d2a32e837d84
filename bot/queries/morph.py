"""The shared pymorphy3 analyser (see bot.morph), under the name the query code has always used."""

from bot.morph import fold, is_known, lemma, morph, parses, pos

__all__ = ["fold", "is_known", "lemma", "morph", "parses", "pos"]
