"""What the app's page-pipeline helper process runs for each scanned page.

Kept out of kiosk.ui so that the helper never imports Qt (the old worker did, through the
module that held these functions: about 100 MB per process).
"""

from __future__ import annotations

from typing import Any


def encode_page(image: Any, dpi: int, index: int, find_separator: bool = False
                ) -> tuple[bytes, bytes, dict[str, Any]]:
    """The page's one-page PDF, its thumbnail, and what it is."""
    from kiosk.devices.pipeline.pdf import build_pdf
    from kiosk.devices.pipeline.process import process_page

    done = process_page(image, dpi, index)
    separator = False
    if find_separator and not done.blank:
        from kiosk.devices.barcode.separator import is_separator

        separator = is_separator(image)
    return build_pdf([done.encoded]), done.thumbnail, {
        "blank": bool(done.blank) or separator, "encoding": done.encoded.encoding,
        "color": bool(done.facts.color), "size": done.encoded.nbytes,
        "separator": separator}


def warm_up() -> None:
    """Import the pipeline's modules (numpy, OpenCV, pikepdf) before the first page."""
    import kiosk.devices.pipeline.process  # noqa: F401
