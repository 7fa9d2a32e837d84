"""Readers: one per source format, each producing a RawDocument (see bot.roadmap.raw)."""
