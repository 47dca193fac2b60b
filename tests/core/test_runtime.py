"""Process tuning of a serving worker (core/ops/runtime.py)."""

import subprocess
import sys

# In a child process: gc.freeze() is for the life of the process, and the suite's own
# process builds an app per test (its settings turn the freeze off).
CHILD = """
import gc
from inkwell.core.config import Settings
from inkwell.core.ops.runtime import tune_process

settings = Settings(_env_file=None, gc_freeze={freeze})
before = gc.get_freeze_count()
tune_process(settings)
print(before, gc.get_freeze_count())
"""


def _freeze_counts(freeze: bool) -> tuple[int, int]:
    out = subprocess.run(  # noqa: S603 - our own fixed code
        [sys.executable, "-c", CHILD.format(freeze=freeze)],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.split()
    return int(out[0]), int(out[1])


# Python 3.12 starts with a few hundred objects of its own frozen (3.11 and 3.13 with none).


def test_startup_objects_are_frozen_out_of_the_collector() -> None:
    before, after = _freeze_counts(True)
    assert after - before > 10_000  # modules, models, schemas: everything start-up built


def test_gc_freeze_can_be_turned_off() -> None:
    before, after = _freeze_counts(False)
    assert after == before
