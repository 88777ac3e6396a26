"""What every view model promises QML: a property either never changes or says when it does.

PySide6 silently drops a property's notify signal when the signal is declared in a base
class; QML then reads the property once and never again (the intake model is built from a
chain of classes, so this guards it).
"""

from __future__ import annotations

from typing import Any


def test_every_property_is_constant_or_notifies(window: Any) -> None:
    from kiosk.ui.qt import QObject

    models = {"app": window.app, "home": window.home, "intake": window.intake,
              "lookup": window.lookup, "detail": window.detail, "returns": window.returns,
              "settings": window.settings}
    silent = []
    for name, model in models.items():
        meta = model.metaObject()
        for i in range(QObject.staticMetaObject.propertyCount(), meta.propertyCount()):
            prop = meta.property(i)
            if not (prop.isConstant() or prop.hasNotifySignal()):
                silent.append(f"{name}.{prop.name()}")
    assert not silent, silent
