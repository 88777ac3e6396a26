"""Devices: scanner, barcode sources, image pipeline, printers. No Qt here."""
