"""The one module that imports the Qt bindings (like Anki's ``aqt.qt``).

Everything in ``kiosk.ui`` takes Qt names from here, so the binding, its version check and
the process-wide Qt environment live in one place.
"""

from __future__ import annotations

import os
from typing import Any

# The virtual keyboard must be chosen before the QGuiApplication exists.
os.environ.setdefault("QT_IM_MODULE", "qtvirtualkeyboard")
os.environ.setdefault("QT_VIRTUALKEYBOARD_LAYOUT_PATH", "")
if not os.environ["QT_VIRTUALKEYBOARD_LAYOUT_PATH"]:
    del os.environ["QT_VIRTUALKEYBOARD_LAYOUT_PATH"]
# Qt Multimedia (pulled in by the keyboard's sounds) probes PipeWire noisily.
os.environ.setdefault("QT_LOGGING_RULES", "qt.multimedia.*=false;qt.qml.propertyCache*=false")

from PySide6.QtCore import (
    Property,
    QAbstractListModel,
    QByteArray,
    QEvent,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QSize,
    QSocketNotifier,
    Qt,
    QThread,
    QTimer,
    QUrl,
    Signal,
    Slot,
)
from PySide6.QtGui import QFont, QFontDatabase, QGuiApplication, QImage, QKeyEvent, QWindow
from PySide6.QtQml import QJSValue, QQmlApplicationEngine
from PySide6.QtQuick import QQuickImageProvider, QQuickItem, QQuickWindow

# Before any call into the binding: PySide6 6.12.0 loses references to None/True/False.
import kiosk.ui.singletons  # noqa: F401  (the guard is applied on import)

#: QML-facing type names: PySide6 converts dicts and lists to JS objects and arrays only when a
#: property or signal is declared with these names (its stubs only know Python types).
QVARIANT: Any = "QVariant"
QVARIANT_LIST: Any = "QVariantList"

__all__ = [
    "QVARIANT", "QVARIANT_LIST",
    "Property", "QAbstractListModel", "QByteArray", "QEvent", "QFont", "QFontDatabase",
    "QGuiApplication", "QImage", "QKeyEvent", "QModelIndex", "QObject", "QPersistentModelIndex",
    "QQmlApplicationEngine", "QQuickImageProvider", "QQuickItem", "QQuickWindow", "QSize",
    "QSocketNotifier", "QThread", "QTimer", "QUrl",
    "QWindow", "Qt", "Signal", "Slot",
]


def plain(value: Any) -> Any:
    """A JavaScript object or array from QML as Python dicts and lists.

    PySide6 before 6.12 hands a ``"QVariant"`` slot argument written in QML as a
    ``QJSValue``; 6.12 converted it already. Slots taking QML objects pass it through this."""
    if isinstance(value, QJSValue):
        return value.toVariant()
    return value

