"""Offline machine translation: models, engine, translation memory, glossary and filling texts."""

from pathlib import Path

# Here, not in `fill` and `memory`, so a build that finds nothing changed reads them without
# importing the translator.
GLOSSARY_FILE = "glossary.yaml"
MEMORY_FILE = Path(".signalbrief") / "translations.sqlite"
