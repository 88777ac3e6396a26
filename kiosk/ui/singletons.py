"""Keep None, True and False alive whatever the Qt binding does to their reference counts.

PySide6 6.12.0's shiboken takes one reference too few for the value a call returns when that
value is a singleton: ``Signal.emit()`` loses one reference to ``True`` per call, every
``None``-returning method (setters, ``processEvents()``) one to ``None``. Python 3.11 counts
references to these objects like any other, so after a few hundred to a few thousand calls
(``True`` starts near 600) the count reaches zero and the interpreter aborts ("deallocating
True or False"): in a long test run, and at the counter in a long day.

Python 3.12 makes these objects immortal (PEP 683). On 3.11 the same effect is had by giving
each a count no program can spend: 2**60 references, while the count field holds 2**63 - 1.
Nothing is ever freed that would not have been, so this is safe with a fixed binding too;
``tests/ui/test_pyside_refcount.py`` checks both the bare binding and the guarded one.
"""

from __future__ import annotations

import ctypes
import sys

#: Added to each singleton's count; 2**60 emits at a million a second take 36,000 years.
RESERVE = 1 << 60


def keep_singletons_alive() -> bool:
    """Reserve references for None, True and False once; False where Python does it itself."""
    if sys.version_info >= (3, 12):
        return False
    for obj in (None, True, False):
        # ob_refcnt is the first field of every object in CPython 3.11.
        count = ctypes.c_ssize_t.from_address(id(obj))
        if count.value < RESERVE:
            count.value += RESERVE
    return True


keep_singletons_alive()
