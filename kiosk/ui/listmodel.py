"""A list model over plain dicts, so view models hand QML rows without a class per list."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from kiosk.ui.qt import (
    Property,
    QAbstractListModel,
    QByteArray,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    Signal,
    Slot,
)

_FIRST_ROLE = int(Qt.ItemDataRole.UserRole) + 1


class DictListModel(QAbstractListModel):
    countChanged = Signal()

    def __init__(self, roles: Sequence[str], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._roles = list(roles)
        self._rows: list[dict[str, Any]] = []

    def roleNames(self) -> dict[int, QByteArray]:
        return {_FIRST_ROLE + i: QByteArray(name.encode()) for i, name in enumerate(self._roles)}

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = 0) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        i = role - _FIRST_ROLE
        if not 0 <= i < len(self._roles):
            return None
        return self._rows[index.row()].get(self._roles[i])

    def reset(self, rows: Iterable[dict[str, Any]]) -> None:
        self.beginResetModel()
        self._rows = [dict(r) for r in rows]
        self.endResetModel()
        self.countChanged.emit()

    def sync(self, rows: Iterable[dict[str, Any]], key: str) -> None:
        """Show ``rows``: in place when they are the same rows by ``key`` (only changed ones
        are told to the view, which keeps its scroll position and its editors), else reset."""
        new = [dict(r) for r in rows]
        if [r.get(key) for r in new] != [r.get(key) for r in self._rows]:
            self.reset(new)
            return
        for i, row in enumerate(new):
            if row != self._rows[i]:
                self._rows[i] = row
                idx = self.index(i, 0)
                self.dataChanged.emit(idx, idx)

    def append(self, row: dict[str, Any]) -> None:
        n = len(self._rows)
        self.beginInsertRows(QModelIndex(), n, n)
        self._rows.append(dict(row))
        self.endInsertRows()
        self.countChanged.emit()

    def update(self, row_index: int, **changes: Any) -> None:
        self._rows[row_index].update(changes)
        idx = self.index(row_index, 0)
        self.dataChanged.emit(idx, idx)

    def remove(self, row_index: int) -> None:
        self.beginRemoveRows(QModelIndex(), row_index, row_index)
        del self._rows[row_index]
        self.endRemoveRows()
        self.countChanged.emit()

    def move(self, src: int, dst: int) -> None:
        if src == dst or not (0 <= src < len(self._rows) and 0 <= dst < len(self._rows)):
            return
        # Qt's move destination is "before this row" in the pre-move list.
        self.beginMoveRows(QModelIndex(), src, src, QModelIndex(), dst + 1 if dst > src else dst)
        self._rows.insert(dst, self._rows.pop(src))
        self.endMoveRows()

    def rows(self) -> list[dict[str, Any]]:
        return [dict(r) for r in self._rows]

    def row(self, i: int) -> dict[str, Any]:
        return dict(self._rows[i])

    @Slot(int, result="QVariant")
    def get(self, i: int) -> dict[str, Any]:
        return dict(self._rows[i]) if 0 <= i < len(self._rows) else {}

    def _count(self) -> int:
        return len(self._rows)

    count = Property(int, _count, notify=countChanged)
