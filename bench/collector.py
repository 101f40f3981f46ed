"""Python's cycle collector held off while the harness makes many short-lived objects.

A collection walks every tracked object: mid-run it stops the load driver (a response in
flight then looks that much slower), and during a seed it runs again and again over millions
of fresh tuples that hold no cycles. Off for the stretch, one collection after.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def paused() -> Iterator[None]:
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
        gc.collect()
