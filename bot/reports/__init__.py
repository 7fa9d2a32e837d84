"""Completion reports: status, text and files attached to an occurrence of a measure."""
