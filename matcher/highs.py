"""A HiGHS instance that prints nothing, for every linear program Handoff solves."""

from __future__ import annotations

import os
import sys
import threading

import highspy

_first_instance = True
_first_instance_lock = threading.Lock()


def quiet_highs() -> highspy.Highs:
    """A new HiGHS instance with its output off.

    HiGHS prints its banner on standard output when a process builds its first instance, before any
    option can be set (ERGO-Code/HiGHS#2749); that one construction runs with the standard output
    descriptor pointed at /dev/null so that a command's output stays its own.
    """
    global _first_instance
    with _first_instance_lock:
        if _first_instance:
            sys.stdout.flush()
            saved = os.dup(1)
            try:
                with open(os.devnull, "w") as null:
                    os.dup2(null.fileno(), 1)
                    highs = highspy.Highs()
            finally:
                os.dup2(saved, 1)
                os.close(saved)
            _first_instance = False
        else:
            highs = highspy.Highs()
    highs.setOptionValue("output_flag", False)
    return highs
