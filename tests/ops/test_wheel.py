"""What a wheel carries is enough: built with `pip wheel .`, installed in a fresh venv, it renders
the broker configs (templates and scripts as package data of `ops`) and runs `hall-demo`.

The fresh venv gets the project only from the wheel; its dependencies come from the test's own
venv through a path entry (no registry needed), whose editable install of this checkout is not
active there, and every command runs outside the checkout, so nothing is found by accident.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
import venv
from pathlib import Path

import pytest

pytestmark = pytest.mark.e2e
ROOT = Path(__file__).resolve().parents[2]


def run(*args: str | Path, cwd: Path, timeout: float) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    return subprocess.run(
        [str(a) for a in args], cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout
    )


def test_the_wheel_renders_brokers_and_runs_the_demo(tmp_path: Path) -> None:
    wheels, work, src = tmp_path / "wheels", tmp_path / "work", tmp_path / "src"
    work.mkdir()
    # a copy of the checkout, so the build's own `build/` folder stays out of it
    junk = shutil.ignore_patterns(
        ".venv", ".git", "build", "artifacts", "*.egg-info", ".*_cache", "__pycache__"
    )
    shutil.copytree(ROOT, src, symlinks=True, ignore=junk)
    built = run(
        sys.executable, "-m", "pip", "wheel", ".", "-w", wheels, "--no-deps", "-q", cwd=src, timeout=300
    )
    assert built.returncode == 0, built.stderr
    (wheel,) = wheels.glob("hall_terminals-*.whl")

    env_dir = tmp_path / "venv"
    venv.EnvBuilder(with_pip=True).create(env_dir)
    py = env_dir / "bin" / "python"
    site = Path(
        run(
            py, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])", cwd=work, timeout=60
        ).stdout.strip()
    )
    (site / "deps-of-the-test-venv.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    installed = run(py, "-m", "pip", "install", "--no-deps", "--no-index", "-q", wheel, cwd=work, timeout=300)
    assert installed.returncode == 0, installed.stderr
    where = run(py, "-c", "import ops, county; print(ops.__file__, county.__file__)", cwd=work, timeout=60)
    assert all(line.startswith(str(site)) for line in where.stdout.split()), where.stdout + where.stderr

    rendered = run(
        py,
        "-m",
        "ops.brokers",
        "county",
        "--hall",
        "demo-hall",
        "--conf-dir",
        work / "conf",
        "--state-dir",
        work / "state",
        cwd=work,
        timeout=60,
    )
    assert rendered.returncode == 0, rendered.stderr
    assert "acl_file" in (work / "conf" / "county.conf").read_text()
    assert "bridge.demo-hall" in (work / "conf" / "county.acl").read_text()

    demo = run(
        env_dir / "bin" / "hall-demo",
        "--headless",
        "--duration",
        "20",
        "--windows",
        "1",
        "--monitor-every",
        "0",
        cwd=work,
        timeout=240,
    )
    assert demo.returncode == 0, demo.stdout[-3000:] + demo.stderr[-3000:]
    final = next(line for line in demo.stdout.splitlines() if "final county stored" in line)
    stored = int(final.split("stored:")[1].split()[0])
    assert stored > 0 and "cases rated twice: 0" in final
