"""kiosk: the counter application for Vietnam's commune one-stop centres.

The core (this package, minus ``kiosk.ui``) never imports Qt.
"""

__version__ = "0.1.0"
