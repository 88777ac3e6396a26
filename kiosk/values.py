"""Small immutable values without the dataclasses module, for the modules every command loads.

``dataclasses`` imports ``inspect`` (and through it ``ast``, ``dis``, ``tokenize``): about
7.5 ms of the 46 ms a ``kiosk due`` took, a sixth of a CLI start (issue 15 §5). The three
classes on that path (a processing time, a setting, the working calendar) are plain classes;
this base gives them what ``@dataclass(frozen=True)`` gave: equality, hashing, a readable
repr, no assignment after construction, and ``replace``.
"""

from __future__ import annotations

from typing import Any, Self


class Value:
    """Subclasses list their fields in ``__slots__`` and set them with ``_set`` in __init__."""

    __slots__: tuple[str, ...] = ()

    def _set(self, **fields: Any) -> None:
        for name, value in fields.items():
            object.__setattr__(self, name, value)

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"{type(self).__name__} is immutable: cannot set {name}")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"{type(self).__name__} is immutable: cannot delete {name}")

    def _values(self) -> tuple[Any, ...]:
        return tuple(getattr(self, name) for name in self.__slots__)

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        return self._values() == other._values()

    def __hash__(self) -> int:
        return hash((self.__class__, self._values()))

    def __repr__(self) -> str:
        inner = ", ".join(f"{name}={getattr(self, name)!r}" for name in self.__slots__)
        return f"{type(self).__name__}({inner})"

    def _fields(self) -> dict[str, Any]:
        return dict(zip(self.__slots__, self._values(), strict=True))

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuild, (self.__class__, self._fields()))

    def replace(self, **changes: Any) -> Self:
        """A copy with some fields changed (``dataclasses.replace``)."""
        fields = self._fields()
        unknown = set(changes) - set(fields)
        if unknown:
            raise TypeError(f"{type(self).__name__} has no field {sorted(unknown)}")
        return self.__class__(**{**fields, **changes})


def _rebuild(cls: type[Value], fields: dict[str, Any]) -> Value:
    return cls(**fields)
