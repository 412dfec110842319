"""How long a test waits for the bot before it calls the wait a failure.

A wait returns as soon as the bot does the awaited thing, so this only bounds how long a
broken test takes. It is generous because a slow, loaded machine (two cores running the suite
beside other work) can take seconds to answer; ``EMULATOR_WAIT_S`` changes it.
"""

from __future__ import annotations

import os

WAIT_S = float(os.environ.get("EMULATOR_WAIT_S", "15"))
