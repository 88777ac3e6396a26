"""Bounds of what a person may type, in one place for every edge that takes it.

The command line (:mod:`kiosk.cli`), the central server's request models
(:mod:`central.models`) and the forms all use these, so a
value one of them accepts is never refused later by another (a ``ValidationError`` or a PDF
that cannot be laid out is a bug). docs/EDGES.md ("Input rules") lists them.

No imports: the command line reads this module while it builds its parser.
"""

#: Days and times accepted anywhere a person types one (a report period, a due time, a
#: back-entered reception): wide enough for any real record, far inside what date
#: arithmetic can take (9999-12-31 plus a day overflows). The holiday table itself covers
#: fewer years (kiosk.vn_holidays); beyond it weekends are the only days off.
FIRST_YEAR, LAST_YEAR = 1900, 2200

#: An apology letter's number (Mẫu 04).
LETTER_NUMBER_MAX = 100
#: Why a dossier is postponed, a status note.
REASON_MAX = 2000
NOTE_MAX = 2000
#: A person's name: the applicant, the clerk, the officer who acts ("by").
PERSON_MAX = 200
#: The applicant's details as the sync API stores them.
ID_NUMBER_MAX = 20
PHONE_MAX = 30
EMAIL_MAX = 200
ADDRESS_MAX = 500
#: A clerk's login (``--actor``).
ACTOR_MAX = 100
#: A CUPS queue name (CUPS itself allows 127 bytes: printable, no space, "/", "#" or "\\").
PRINTER_NAME_MAX = 127


def printer_name_ok(name: str) -> bool:
    """A queue name CUPS would accept: the URL it goes into and the IPP attribute it is sent
    as break on anything else (InvalidURL, struct.error)."""
    return (0 < len(name.encode("utf-8", "surrogatepass")) <= PRINTER_NAME_MAX
            and all(ch.isprintable() and ch not in " /#\\" for ch in name))


#: Free text that is neither (a search, a form field set on the command line).
TEXT_MAX = 1000
