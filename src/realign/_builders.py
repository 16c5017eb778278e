"""Positional constructors for frozen attrs classes on the assessment's hot paths.

An assessment builds hundreds of small frozen records (traced checks, evidence,
findings, derived facts). attrs' ``__init__`` of a frozen slotted class stores
each field through ``object.__setattr__``, a call per field that costs about as
much as the rest of building the object. A class whose fields are stored
exactly as given (no validator, converter or init hook) can instead have its
slots filled directly, which is what :func:`positional` generates.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import attrs

__all__ = ["positional"]

_T = TypeVar("_T")


def positional(cls: type[_T], names: tuple[str, ...] | None = None) -> Callable[..., _T]:
    """A constructor of *cls* taking its fields in order (*names*, all of them), by position.

    It fills the slots directly when that stores what ``__init__`` would, and
    calls ``__init__`` otherwise; tests hold the two to the same result.
    """
    fields = attrs.fields(cls)  # type: ignore[arg-type]
    names = tuple(f.name for f in fields) if names is None else names
    direct = (
        tuple(f.name for f in fields) == names
        and all(f.init and f.validator is None and f.converter is None for f in fields)
        and "__slots__" in cls.__dict__
        and not hasattr(cls, "__attrs_pre_init__")
        and not hasattr(cls, "__attrs_post_init__")
    )
    if not direct:
        return lambda *values: cls(**dict(zip(names, values, strict=True)))
    # Generated, as attrs generates __init__: one direct call per field, no loop.
    setters = {f"_set_{name}": cls.__dict__[name].__set__ for name in names}
    lines = [f"def build({', '.join(names)}):", "    item = _new(_cls)"]
    lines += [f"    _set_{name}(item, {name})" for name in names]
    lines.append("    return item")
    namespace: dict[str, Any] = {"_new": object.__new__, "_cls": cls, **setters}
    exec("\n".join(lines), namespace)
    built: Callable[..., _T] = namespace["build"]
    return built
