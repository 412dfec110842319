"""The layers' import directions hold at run time, not only in ruff: the rules and the rendering load no I/O."""

from __future__ import annotations

import json
import pkgutil
import subprocess
import sys
from types import ModuleType

import bot.domain
import bot.rendering

_HEAVY = ("sqlalchemy", "telegram", "alembic", "bot.storage", "bot.services", "bot.telegram_app")


def _loaded_after_importing(modules: list[str]) -> list[str]:
    """What a fresh interpreter has loaded, of the heavy packages, after importing ``modules``."""
    code = (
        "import importlib, json, sys\n"
        f"for name in {modules!r}: importlib.import_module(name)\n"
        f"print(json.dumps(sorted(m for m in sys.modules if m.startswith({_HEAVY!r}))))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True)
    return list(json.loads(result.stdout))


def _modules(package: ModuleType) -> list[str]:
    return [info.name for info in pkgutil.walk_packages(package.__path__, f"{package.__name__}.")]


def test_the_domain_imports_no_database_no_telegram_and_no_service() -> None:
    """Every rule module (grader, bank, scheduling, interview planning and verdicts) loads on its own."""
    modules = _modules(bot.domain)
    assert "bot.domain.grading" in modules and "bot.domain.interview.debrief" in modules
    assert _loaded_after_importing(modules) == []


def test_rendering_imports_no_database_no_telegram_and_no_service() -> None:
    """Rendering a message needs the domain's results only: no SQLAlchemy, Telegram, storage or services."""
    modules = _modules(bot.rendering)
    assert "bot.rendering.texts" in modules and "bot.rendering.interview_texts" in modules
    assert _loaded_after_importing(modules) == []
