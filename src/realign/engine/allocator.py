"""Keep glibc from handing durable_rules' session memory back to the kernel after every assessment.

durable_rules allocates a state of roughly 12 KB per rule when a session
starts and frees it when the session is deleted: about 600 KB per assessment
for the standard catalog. With glibc's default, adaptive thresholds, that
block either comes from ``mmap`` or sits at the top of the heap, which
``free`` trims; whichever happens depends on the process's memory layout.
When it does, every assessment faults the block back in page by page: about
200 minor page faults, and 0.5-0.9 ms of CPU, more than the matching itself.

:func:`keep_session_memory` fixes the two thresholds once per process so that
the block is reused from the heap: allocations below 4 MiB never use
``mmap``, and up to 32 MiB of free memory at the heap top stays mapped. The
process's memory stays flat; it only stops shrinking below its working set.
Only glibc has these knobs; elsewhere this does nothing. Set
``REALIGN_MALLOC_TUNING=0`` to leave the allocator alone.
"""

from __future__ import annotations

import ctypes
import functools
import os
import platform

__all__ = ["MMAP_THRESHOLD", "TRIM_THRESHOLD", "keep_session_memory"]

#: allocations below this size come from the heap, not from mmap (bytes)
MMAP_THRESHOLD = 4 * 1024 * 1024
#: free memory at the top of the heap is returned to the kernel above this size (bytes)
TRIM_THRESHOLD = 32 * 1024 * 1024

# mallopt parameter numbers, from glibc's malloc.h
_M_TRIM_THRESHOLD = -1
_M_MMAP_THRESHOLD = -3


@functools.cache
def keep_session_memory() -> bool:
    """Fix glibc's malloc thresholds for this process; True if they were set.

    Cached: the thresholds are a property of the process, so the first
    durable_rules matcher sets them and later ones find them set.
    """
    if os.environ.get("REALIGN_MALLOC_TUNING", "1").strip() == "0":
        return False
    if platform.system() != "Linux" or platform.libc_ver()[0] != "glibc":
        return False
    try:
        # The interpreter itself links glibc, so its symbols are already loaded.
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):  # pragma: no cover - not the libc we expected
        return False
    mallopt.argtypes = (ctypes.c_int, ctypes.c_int)
    mallopt.restype = ctypes.c_int
    # Both at once: setting either one switches off glibc's adaptive pair.
    return bool(mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD)) and bool(
        mallopt(_M_TRIM_THRESHOLD, TRIM_THRESHOLD)
    )
