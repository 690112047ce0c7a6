"""Publish bilingual signal briefs with gated member editions."""

__version__ = "0.1.0"
