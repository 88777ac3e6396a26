"""The private CUPS of the tests lives in the package (``make run`` uses it too)."""

from kiosk.devices.printer.private_cups import CupsServer, unavailable_reason

__all__ = ["CupsServer", "unavailable_reason"]
