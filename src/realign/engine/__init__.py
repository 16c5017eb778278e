"""Running rule sets: the compiler to durable_rules, its adapter, and the Python evaluator."""

from .engine import Backend, Engine, RuleSetError, SelectionError

__all__ = ["Backend", "Engine", "RuleSetError", "SelectionError"]
