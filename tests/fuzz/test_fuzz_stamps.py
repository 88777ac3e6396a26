"""Fuzzing the moments a counter sends the server as text (queue tickets, ratings,
hand-overs, confirmed paper facts): mutants of a real stamp.

Property: the request model refuses the text, or the text is a moment the province page
can subtract from another (what its queue waits do) and that sorts as text in time order
against the same day's stamps (what its period filters do). A lying counter's times once
got stored and broke the page for every unit.
"""

from __future__ import annotations

import random
from datetime import datetime

from hypothesis import given
from hypothesis import strategies as st
from pydantic import TypeAdapter, ValidationError

from central.models import Stamp
from tests.fuzz import budget
from tests.fuzz.mutate import havoc_text

SEEDS = ["2026-12-07T09:10:00.250+07:00", "2026-12-07T09:10:00+07:00", "2026-12-07T02:10:00Z"]
STAMP = TypeAdapter(Stamp)
TAKEN = datetime.fromisoformat("2026-12-07T09:00:00+07:00")


def _check_one(text: str) -> None:
    try:
        kept = STAMP.validate_python(text)
    except ValidationError:
        return
    assert kept == text  # stored as sent
    moment = datetime.fromisoformat(kept)
    (moment - TAKEN).total_seconds()  # aware: no TypeError against the counter's stamps
    kept.encode("utf-8")


@budget.settings_for(0.5)
@given(st.sampled_from(SEEDS), st.integers(0, 2**63).map(random.Random))
def test_sent_moments_are_refused_or_usable(seed: str, rng: random.Random) -> None:
    mutants = list(havoc_text(seed, rng, budget.batch()))
    budget.count("stamps", len(mutants))
    for text in mutants:
        budget.check(_check_one, text)


@budget.settings_for(0.2)
@given(st.sampled_from(SEEDS), st.integers(0, 2**63).map(random.Random))
def test_accepted_moments_are_the_same_moment_for_postgresql(pg_url: str, seed: str,
                                                            rng: random.Random) -> None:
    # The province's queue waits are computed by PostgreSQL (central/queue_sql.py) and by
    # Python on SQLite: a text one reads differently from the other would split them.
    import psycopg

    accepted = []
    for text in havoc_text(seed, rng, budget.batch()):
        try:
            accepted.append(STAMP.validate_python(text))
        except ValidationError:
            continue
    budget.count("stamps-pg", len(accepted))
    if not accepted:
        return
    with psycopg.connect(pg_url) as conn:
        epochs = conn.execute("SELECT extract(epoch FROM s::timestamptz)::float8 FROM "
                              "unnest(%s::text[]) WITH ORDINALITY AS u(s, n) ORDER BY n",
                              (accepted,)).fetchall()
    for text, (epoch,) in zip(accepted, epochs, strict=True):
        assert epoch == datetime.fromisoformat(text).timestamp(), text
