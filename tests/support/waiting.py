"""Waiting for something to happen, by looking at it: never a fixed sleep that hopes it did.

A fixed sleep is too short on a loaded machine (a flaky test) and too long on
an idle one (a slow suite). Polling a condition briefly is as fast as the
thing itself and fails with a message when it never comes.
"""
from __future__ import annotations

import time
from typing import Callable, TypeVar

T = TypeVar("T")


def wait_until(predicate: Callable[[], T], timeout: float = 10.0, interval: float = 0.002,
               what: str = "") -> T:
    """The predicate's first truthy value; AssertionError naming `what` after `timeout` seconds.

    >>> wait_until(lambda: 3)
    3
    """
    end = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() >= end:
            raise AssertionError(f"timed out after {timeout:g} s waiting for {what or predicate}")
        time.sleep(interval)
