"""Bounds of the text fields the server accepts, in one place: the request models
(:mod:`central.models`) and the ``kiosk central`` commands both use them, so a value the
command line accepts is never refused later by the model (a ValidationError is a bug).

No imports: the command line reads this module while it builds its parser.
"""

#: An apology letter's number (Mẫu 04).
LETTER_NUMBER_MAX = 100
#: Why a dossier is postponed, a status note.
REASON_MAX = 2000
NOTE_MAX = 2000
#: A person's name: the clerk, the officer who acts ("by").
PERSON_MAX = 200
