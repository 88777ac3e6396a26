"""kiosk.values keeps what @dataclass(frozen=True) gave the classes that left dataclasses."""

from __future__ import annotations

import copy
import pickle
import subprocess
import sys

import pytest

from kiosk.config import SETTINGS
from kiosk.processing_time import ProcessingTime


def test_equal_hashable_immutable_and_replaceable() -> None:
    three = ProcessingTime("working_days", 3)
    assert three == ProcessingTime("working_days", 3) and three != ProcessingTime("working_days", 4)
    assert len({three, ProcessingTime("working_days", 3)}) == 1
    assert repr(three) == "ProcessingTime(unit='working_days', value=3, cutoff=None)"
    with pytest.raises(AttributeError):
        three.value = 5  # type: ignore[misc]
    assert three.replace(value=5) == ProcessingTime("working_days", 5) and three.value == 3
    with pytest.raises(TypeError):
        three.replace(days=5)
    assert copy.deepcopy(three) == three == pickle.loads(pickle.dumps(three))


def test_a_setting_replaced_keeps_its_other_fields() -> None:
    wedge = SETTINGS["barcode.wedge_min_length"]
    assert wedge.validate is not None and wedge.validate(0)  # the check replace() added
    changed = wedge.replace(description="x")
    assert changed.description == "x" and changed.validate is wedge.validate
    assert changed.key == wedge.key and changed.default == wedge.default


def test_a_cli_command_does_not_import_dataclasses() -> None:
    code = ("import sys; from kiosk.cli import main; import kiosk.working_time; "
            "print('dataclasses' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
