"""Finding a citizen by name on a million dossiers: a B-tree on the folded name.

The clerk types a name the way the CCCD writes it, surname first, and usually stops after
a few letters of the given name ("nguyen thi h"). ``name_keys`` (migration
``0010_speed_name_keys``) holds each dossier's owner name folded (``kiosk.text.fold``)
under an index on ``key``; the index's entries are ordered (key, dossier num), so

- the whole name typed is one index seek, read newest first with no sort;
- a name being typed is one range scan of the keys that start with it. When few names
  start with it they are sorted by recency; when thousands do ("nguyen thi h"), the
  dossiers are scanned newest first until enough match, which is short exactly because
  so many do;

and neither depends on how many dossiers hold the word "nguyen" (what made FTS5 slow).

Ranking, for a common name with hundreds of namesakes:

1. the name typed in full (``key = typed``) before names that only start with it;
2. digits typed alongside the name count next: a 4-digit year (1900–2099) matches the
   birth date or the CCCD's year digits, any other run of 3+ digits matches inside the ID
   number or the phone ("nguyen thi hoa 1987", "nguyen thi hoa 0912");
3. then recency (newest dossier first).

Digits rank among the newest :data:`DIGIT_POOL` namesakes of each kind (exact / prefix),
so a years-old dossier of a very common name is found by its ID number instead, which
the search screen takes directly.
"""

from __future__ import annotations

import re
from typing import Any

from kiosk.storage.sqlite import Database
from kiosk.text import fold

_TOKEN = re.compile(r"[0-9a-z]+")
#: Below this many names starting with the typed text, sort them; above, scan by recency.
SORT_LIMIT = 3000
#: Namesakes (per kind) among which digits typed alongside are matched.
DIGIT_POOL = 2000


def split_query(text: str) -> tuple[str, list[str]] | None:
    """(folded name words, digit tokens), or None when no word could start a name."""
    words, digits = [], []
    for token in _TOKEN.findall(fold(text)):
        if token.isdigit():
            digits.append(token)
        elif token.isalpha():
            words.append(token)
        else:
            return None  # "h40", a piece of a dossier code: not a name
    if not words:
        return None
    return " ".join(words), digits


def _upper(prefix: str) -> str:
    return prefix[:-1] + chr(ord(prefix[-1]) + 1)


def _newest(db: Database, where: str, params: tuple[Any, ...], limit: int,
            *, by_scan: bool) -> list[int]:
    table = "name_keys NOT INDEXED" if by_scan else "name_keys INDEXED BY name_keys_key"
    rows = db.execute(f"SELECT num FROM {table} WHERE {where} ORDER BY num DESC LIMIT ?",
                      (*params, limit)).fetchall()
    return [r[0] for r in rows]


def _prefix_nums(db: Database, key: str, limit: int) -> list[int]:
    """Newest dossiers whose name starts with ``key`` (not equal to it)."""
    where, params = "key > ? AND key < ?", (key, _upper(key))
    many = db.execute(
        f"SELECT count(*) FROM (SELECT 1 FROM name_keys WHERE {where} LIMIT ?)",
        (*params, SORT_LIMIT)).fetchone()[0]
    return _newest(db, where, params, limit, by_scan=many >= SORT_LIMIT)


def _digit_score(digits: list[str]) -> tuple[str, list[str]]:
    parts, params = [], []
    for token in digits:
        if len(token) == 4 and token[:2] in ("19", "20"):
            parts.append("(substr(coalesce(a.birth_date, ''), 1, 4) = ? OR "
                         "(length(a.id_number) = 12 AND substr(a.id_number, 5, 2) = ?))")
            params += [token, token[2:]]
        elif len(token) >= 3:
            parts.append("(instr(a.id_number, ?) > 0 OR instr(a.phone, ?) > 0 OR "
                         "instr(a.old_id_number, ?) > 0)")
            params += [token, token, token]
    return (" + ".join(parts) or "0"), params


def search_nums(db: Database, text: str, limit: int = 50) -> tuple[list[int], bool] | None:
    """Dossier nums ranked as the module says, and whether the whole name matched someone.

    None when the text is not a name (the caller uses the word index instead).
    """
    parsed = split_query(text)
    if parsed is None:
        return None
    key, digits = parsed
    if not digits:
        nums = _newest(db, "key = ?", (key,), limit, by_scan=False)
        exact = bool(nums)
        if len(nums) < limit:
            nums += _prefix_nums(db, key, limit - len(nums))
        return nums, exact
    pool = _newest(db, "key = ?", (key,), DIGIT_POOL, by_scan=False)
    exact_set = set(pool)
    pool += _prefix_nums(db, key, DIGIT_POOL)
    if not pool:
        return [], False
    score, params = _digit_score(digits)
    marks = ", ".join("?" for _ in pool)
    rows = db.execute(
        f"SELECT d.num, {score} AS score FROM dossiers d "
        "JOIN applicants a ON a.dossier_id = d.id AND a.role = 'owner' "
        f"WHERE d.num IN ({marks})", (*params, *pool)).fetchall()
    ranked = sorted(rows, key=lambda r: (r[0] not in exact_set, -r[1], -r[0]))
    return [r[0] for r in ranked[:limit]], bool(exact_set)
