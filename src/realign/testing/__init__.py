"""Helpers for testing realign and its plugins.

:mod:`realign.testing.strategies` holds Hypothesis strategies that generate
valid partnerships, for fuzzing rules and enrichers. Importing it needs the
``hypothesis`` package (part of the ``test`` extra); this package itself
imports nothing beyond realign.
"""

__all__: list[str] = []
