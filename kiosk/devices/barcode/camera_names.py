"""How a camera source is named: a recorded video file, a camera number or a stream URL,
and the name logs and screens may show (a stream URL without its user and password)."""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit


def is_video_file(device: int | str) -> bool:
    """A path to a recorded video (plays once), not a camera number or a stream URL."""
    return isinstance(device, str) and not device.lstrip("-").isdigit() and "://" not in device


def shown_device(device: int | str) -> str:
    """The device as logs and reads name it: a stream URL without its user and password."""
    if isinstance(device, str) and "://" in device:
        parts = urlsplit(device)
        if parts.username is not None or parts.password is not None:
            host = parts.hostname or ""
            netloc = f"{host}:{parts.port}" if parts.port else host
            return urlunsplit(parts._replace(netloc=netloc))
    return str(device)
