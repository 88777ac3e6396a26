"""Bounds of the text fields the server accepts: those of :mod:`kiosk.limits`, so the
request models (:mod:`central.models`) and the ``kiosk central`` commands share them and a
value the command line accepts is never refused later by the model (a ValidationError is
a bug).
"""

from kiosk.limits import (
    ADDRESS_MAX,
    EMAIL_MAX,
    ID_NUMBER_MAX,
    LETTER_NUMBER_MAX,
    NOTE_MAX,
    PERSON_MAX,
    PHONE_MAX,
    REASON_MAX,
)

__all__ = ["ADDRESS_MAX", "EMAIL_MAX", "ID_NUMBER_MAX", "LETTER_NUMBER_MAX", "NOTE_MAX",
           "PERSON_MAX", "PHONE_MAX", "REASON_MAX"]
