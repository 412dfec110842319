"""The README's install steps, as a newcomer runs them on a stock Debian or Ubuntu machine."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[1] / "README.md"
SYSTEM_PATH = "/usr/bin:/bin"
"""Where Debian and Ubuntu put python3; there is no ``python`` there, and pip refuses system-wide installs."""


def install_lines() -> list[str]:
    """The commands of the first ``bash`` block under "Install and run", comments and blank lines dropped,
    one per ``&&`` step (the install line chains making the environment, entering it and pip)."""
    section = README.read_text(encoding="utf-8").split("## Install and run", 1)[1]
    block = re.search(r"```bash\n(.*?)```", section, re.DOTALL)
    assert block is not None, "no bash block under Install and run"
    lines = [line.split("  #", 1)[0].strip() for line in block[1].splitlines()]
    steps = [step.strip() for line in lines if line and not line.startswith("#") for step in line.split("&&")]
    return [step for step in steps if step]


@pytest.mark.skipif(not Path("/usr/bin/python3").exists(), reason="needs a system python3 in /usr/bin")
def test_install_makes_and_activates_a_virtual_environment_before_pip(tmp_path: Path) -> None:
    """With only the system's python3 on the PATH (no ``python``), the README's install steps up to the pip
    install create and activate a virtual environment, so its ``python -m pip install`` is the venv's pip."""
    lines = install_lines()
    pip_at = next(i for i, line in enumerate(lines) if "pip install" in line)
    assert lines[pip_at].startswith("python -m pip install"), lines[pip_at]
    script = "\n".join(["set -e", *lines[:pip_at], "command -v python", "python -m pip --version"])
    result = subprocess.run(
        ["/bin/bash", "-c", script],
        cwd=tmp_path,
        env={"PATH": SYSTEM_PATH, "HOME": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[0] == str(tmp_path / ".venv" / "bin" / "python")
    assert str(tmp_path / ".venv") in result.stdout.splitlines()[1]  # pip of the venv, not the system's
