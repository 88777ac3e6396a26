"""Barcode input: one :class:`BarcodeSource` Protocol emitting :class:`Read` values from a
keyboard wedge, a serial reader, a camera, an image or a fake; decoding of images
(zxing-cpp first, zbar in binary mode as fallback); routing of reads to the applicant form
(CCCD QR) or to a dossier (our receipt's code)."""

from kiosk.devices.barcode.source import CODE128, QR, UNKNOWN, BarcodeSource, Read

__all__ = ["CODE128", "QR", "UNKNOWN", "BarcodeSource", "Read"]
