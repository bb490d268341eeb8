"""Bounded retry with backoff of libvirt's transient refusals.

Under `pulumi up` up to four provider calls run at once in one plugin process, and other
clients share the host, so libvirt sometimes refuses an operation only because another one
is in flight: a pool refresh while a volume is being built (`pool … has asynchronous jobs
running`), a volume delete while it is still being allocated, a domain job while another
holds its state change lock (`cannot acquire state change lock`, reported as an operation
timeout). Those succeed moments later; every other error is raised at once.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from typing import TypeVar

import libvirt

T = TypeVar("T")

DEFAULT_TIMEOUT = 60.0
"""Give up after this many seconds of transient refusals (then raise the last one)."""
FIRST_DELAY = 0.05
MAX_DELAY = 2.0

_TRANSIENT_MESSAGES = (
    "has asynchronous jobs running",
    "is still being allocated",
    "cannot acquire state change lock",
    "is busy",
)


def is_transient(err: libvirt.libvirtError) -> bool:
    """True for refusals that mean 'busy now', not 'wrong'."""
    if err.get_error_code() == libvirt.VIR_ERR_OPERATION_TIMEOUT:
        return True
    message = str(err)
    return any(text in message for text in _TRANSIENT_MESSAGES)


def retried(call: Callable[[], T], timeout: float = DEFAULT_TIMEOUT) -> T:
    """`call()`, retried with jittered exponential backoff while libvirt says it is busy.

    Only for calls that are safe to repeat after a refusal (libvirt refuses these before
    doing anything).
    """
    deadline = time.monotonic() + timeout
    delay = FIRST_DELAY
    while True:
        try:
            return call()
        except libvirt.libvirtError as err:
            if not is_transient(err) or time.monotonic() + delay > deadline:
                raise
        time.sleep(delay * random.uniform(0.5, 1.5))
        delay = min(delay * 2, MAX_DELAY)
