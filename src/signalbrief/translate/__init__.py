"""Offline machine translation: models, engine, translation memory, glossary and filling texts."""
