"""Quotes (SPEC §3.3): numbering, lines priced with the stored guide price, editing a draft, sending."""
