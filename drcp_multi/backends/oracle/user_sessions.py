"""Ending a user's sessions so that ``DROP USER`` can succeed.

On Oracle the DRCP pool keeps the sessions our pools released, cached on pooled servers for the next
request of the same user and class; ``DROP USER`` fails with ORA-01940 ("cannot drop a user that is
currently connected"; Oracle's action: make sure the user is logged off) while any is left, even after
every client connection closed. The Database Administrator's Guide ("Terminating Sessions") ends them
with ``ALTER SYSTEM KILL SESSION 'sid,serial#' IMMEDIATE``, the sessions found in ``V$SESSION``. That
needs SELECT on ``V_$SESSION`` and the ALTER SYSTEM privilege; callers turn a failure into an error that
names them.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

USER_CONNECTED = "ORA-01940"
SESSION_GONE = "ORA-00030"  # "User session ID does not exist": it ended on its own meanwhile
SESSIONS_OF_USER = "SELECT SID, SERIAL# FROM V$SESSION WHERE USERNAME = %s"  # a Django cursor: %s binds
#: How long a drop keeps retrying while killed sessions leave V$SESSION (KILL SESSION IMMEDIATE returns
#: before the session is gone; the deadline only turns a session that never goes into a clear error).
DRAIN_DEADLINE = 60.0
RETRY_PAUSE = 0.2


def kill_sessions_of(cursor: Any, username: str) -> int:
    """``ALTER SYSTEM KILL SESSION … IMMEDIATE`` for every session of ``username`` (upper-case, as Oracle
    stores unquoted names) in V$SESSION; returns how many. Database errors propagate."""
    cursor.execute(SESSIONS_OF_USER, [username])
    sessions = [(int(sid), int(serial)) for sid, serial in cursor.fetchall()]
    for sid, serial in sessions:  # ints from V$SESSION: nothing else reaches the SQL text
        try:
            cursor.execute(f"ALTER SYSTEM KILL SESSION '{sid},{serial}' IMMEDIATE")
        except Exception as exc:
            if SESSION_GONE not in str(exc):
                raise
    return len(sessions)


def drop_ending_sessions(
    drop: Callable[[], object],
    cursor: Any,
    username: str,
    explain: Callable[[Exception], Exception],
    on_retry: Callable[[], None] | None = None,
    deadline: float = DRAIN_DEADLINE,
) -> None:
    """Run ``drop``; while it fails with ORA-01940 kill ``username``'s sessions and run it again (until
    ``deadline`` seconds have passed). A failure to kill raises ``explain(error)``."""
    give_up = time.monotonic() + deadline
    while True:
        try:
            drop()
            return
        except Exception as exc:
            if USER_CONNECTED not in str(exc) or time.monotonic() > give_up:
                raise
        if on_retry is not None:
            on_retry()
        try:
            kill_sessions_of(cursor, username)
        except Exception as exc:
            raise explain(exc) from exc
        time.sleep(RETRY_PAUSE)  # killed sessions leave V$SESSION asynchronously on Oracle
