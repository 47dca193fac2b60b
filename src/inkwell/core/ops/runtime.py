"""Process-level tuning of a serving worker, applied once its app has started."""

import ctypes
import gc

from inkwell.core.config import Settings

# mallopt(3) parameter numbers in glibc's <malloc.h>.
_M_TRIM_THRESHOLD = -1
_M_MMAP_THRESHOLD = -3
_MMAP_THRESHOLD_BYTES = 1 << 20
_TRIM_THRESHOLD_BYTES = 32 << 20


def tune_process(settings: Settings) -> None:
    _return_large_blocks_to_the_os()
    if settings.gc_freeze:
        _freeze_startup_objects()


def _freeze_startup_objects() -> None:
    """What start-up built (modules, routes, schemas, compiled validators) lives as long
    as the process: move it out of the cyclic collector's reach, so that its collections
    walk only what requests leave behind."""
    gc.collect()
    gc.freeze()


def _return_large_blocks_to_the_os() -> None:
    """Make glibc hand blocks of 1 MiB and more back to the system when they are freed.

    By default glibc raises its mmap threshold to the size of the last large block freed
    (up to 32 MiB), so later blocks of that size come from per-thread arenas, which keep
    them. Each argon2 hash (19 MiB, in a worker thread) would then stay resident in its
    thread's arena for good: tens of MiB after a few logins. A fixed threshold also turns
    that adjustment off, including the trim threshold that follows it (twice the mmap
    threshold): it is set here to what it would have grown to, so that the heap is not
    shrunk and grown again around every request. Nothing happens where the C library is
    not glibc.
    """
    try:
        libc = ctypes.CDLL("libc.so.6")
        libc.mallopt(_M_MMAP_THRESHOLD, _MMAP_THRESHOLD_BYTES)
        libc.mallopt(_M_TRIM_THRESHOLD, _TRIM_THRESHOLD_BYTES)
    except (OSError, AttributeError):
        return
