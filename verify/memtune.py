"""Keep freed memory in the process instead of handing it back to the OS at once (glibc).

The batched engines allocate and free arrays of 0.1 - 10 MB on every step (a ReLU network's
pre-activations for 6 runs x 20 units x 1000 points are 1 MB).  glibc's defaults serve such
blocks by mmap, or trim the heap after a free, so the next allocation of the same size takes
fresh pages from the kernel: one page fault per 4 KB, most of the time of such a step (the
Figure 2 experiment spent 80% of its CPU time in the kernel).  Fixed thresholds of 32 MB
(mmap) and 128 MB (trim) keep those blocks in the heap for reuse.  Only where memory comes from
changes, never a value computed; a no-op where the C library has no ``mallopt``.
"""

from __future__ import annotations

import ctypes
import ctypes.util

M_TRIM_THRESHOLD = -1  # <malloc.h>
M_MMAP_THRESHOLD = -3
MMAP_THRESHOLD = 32 << 20
TRIM_THRESHOLD = 128 << 20


def keep_freed_memory() -> bool:
    """Set both thresholds (setting only one turns glibc's adaptive rule off and is worse
    than neither); True when the C library took them."""
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        mallopt = libc.mallopt
    except (OSError, AttributeError):  # not glibc (macOS, musl without mallopt, Windows)
        return False
    mallopt.argtypes, mallopt.restype = (ctypes.c_int, ctypes.c_int), ctypes.c_int
    return bool(mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD)
                and mallopt(M_TRIM_THRESHOLD, TRIM_THRESHOLD))
