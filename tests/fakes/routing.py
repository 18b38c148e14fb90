"""Handlers declare the endpoints they serve next to their code, so adding an endpoint to a fake
touches one resource module: ``@serves(("GET", "/users/@me"))`` (Discord) or
``@serves("chat.postMessage")`` (Slack); the fake's server asks ``handlers(self)`` for its table."""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Any, TypeVar

F = TypeVar("F", bound=Callable[..., Any])

_MARK = "_fake_serves"
_by_class: dict[type, dict[Any, str]] = {}


def serves(*keys: Hashable) -> Callable[[F], F]:
    """Marks a handler method as the one answering ``keys`` (several keys may share it)."""

    def mark(fn: F) -> F:
        setattr(fn, _MARK, (*getattr(fn, _MARK, ()), *keys))
        return fn

    return mark


def _names(cls: type) -> dict[Any, str]:
    out = _by_class.get(cls)
    if out is None:
        out = {}
        for klass in reversed(cls.__mro__):
            for name, attr in vars(klass).items():
                for key in getattr(attr, _MARK, ()):
                    out[key] = name
        _by_class[cls] = out
    return out


def handlers(obj: object) -> dict[Any, Callable[..., Any]]:
    """Key -> bound handler for every ``@serves`` method of ``obj``'s class and its bases."""
    return {key: getattr(obj, name) for key, name in _names(type(obj)).items()}
