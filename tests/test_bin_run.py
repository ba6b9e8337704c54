"""`bin/run` and `bin/setup-venv` say what they do in a line each; the tools' own
output goes to a log, or to the screen only when something fails.

The scripts run in a copy of the project's doors with a stand-in `.venv/bin/python`
that answers for pip and manage.py: nothing is installed, no server is started.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

# Stands in for the environment's Python: prints what it was asked (unless told
# -v0, as Django's commands are), fails where FAIL_ON names one of its arguments.
STAND_IN = """#!/bin/sh
case " $* " in *" -v0 "*) ;; *) echo "noise from python $*";; esac
case " $* " in *" ${FAIL_ON:-none} "*) echo "ERROR: $FAIL_ON broke" >&2; exit 3;; esac
exit 0
"""

BANNER = """
  FH screening registry: http://127.0.0.1:8799/
  Demo logins (password: demo):
    ped_a  pediatrician, practice DEMO-A
    ped_b  pediatrician, practice DEMO-B
    coord  coordinator, all practices
    epi    epidemiologist (statistics only)
    admin  administrator (also /admin/)
  API: http://127.0.0.1:8799/api/v1/   docs: http://127.0.0.1:8799/api/docs/

"""


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A copy of bin/ and the requirements with a stand-in .venv, stamps current."""
    shutil.copytree(ROOT / "bin", tmp_path / "bin")
    for requirements in ROOT.glob("requirements*.txt"):
        shutil.copy(requirements, tmp_path)
    python = tmp_path / ".venv" / "bin" / "python"
    python.parent.mkdir(parents=True)
    python.write_text(STAND_IN)
    python.chmod(0o755)
    _stamp(tmp_path, "requirements-dev.txt")
    return tmp_path


def _stamp(project: Path, requirements: str) -> None:
    digest = subprocess.run(
        "cat requirements*.txt | sha256sum | cut -d' ' -f1",
        shell=True,
        cwd=project,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    (project / ".venv" / f".installed-{requirements}").write_text(digest)


def _run(project: Path, *command: str, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {"PATH": os.environ["PATH"], "HOME": str(project), **env}
    return subprocess.run(
        [str(project / "bin" / command[0]), *command[1:]],
        cwd=project,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def _change_requirements(project: Path) -> None:
    with (project / "requirements.txt").open("a") as requirements:
        requirements.write("# changed\n")


def test_setup_venv_is_silent_when_nothing_changed(project: Path) -> None:
    result = _run(project, "setup-venv", "requirements-dev.txt")
    assert (result.returncode, result.stdout, result.stderr) == (0, "", "")
    assert not (project / ".venv" / "install.log").exists()


def test_the_dev_install_covers_the_runtime_requirements(project: Path) -> None:
    """requirements-dev.txt includes requirements.txt: bin/run after bin/test
    installs nothing."""
    result = _run(project, "setup-venv", "requirements.txt")
    assert (result.returncode, result.stdout, result.stderr) == (0, "", "")
    assert not (project / ".venv" / ".installed-requirements.txt").exists()


def test_setup_venv_says_it_installs_and_logs_pip(project: Path) -> None:
    _change_requirements(project)
    result = _run(project, "setup-venv", "requirements-dev.txt")
    assert result.returncode == 0, result.stderr
    assert result.stdout == (
        "Updating the registry's packages (requirements-dev.txt changed)…\n"
    )
    assert result.stderr == ""
    log = (project / ".venv" / "install.log").read_text()
    assert log == (
        "noise from python -m pip install --upgrade pip\n"
        "noise from python -m pip install -r requirements-dev.txt\n"
        "noise from python -m pip install --no-deps -r requirements-nodeps.txt\n"
    )
    assert _run(project, "setup-venv", "requirements-dev.txt").stdout == ""


def test_a_first_install_says_it_takes_a_while(project: Path) -> None:
    (project / ".venv" / ".installed-requirements-dev.txt").unlink()
    result = _run(project, "setup-venv", "requirements.txt")
    assert result.returncode == 0, result.stderr
    assert result.stdout == (
        "Installing the registry's packages (first run: a minute or two)…\n"
    )
    assert (project / ".venv" / ".installed-requirements.txt").exists()


def test_a_failed_install_shows_the_end_of_the_log_and_stops(project: Path) -> None:
    _change_requirements(project)
    result = _run(project, "setup-venv", "requirements-dev.txt", FAIL_ON="-r")
    log = project / ".venv" / "install.log"
    assert result.returncode == 1
    assert result.stderr == (
        f"Installing the packages from requirements-dev.txt failed. The end of {log}:\n"
        "noise from python -m pip install --upgrade pip\n"
        "noise from python -m pip install -r requirements-dev.txt\n"
        "ERROR: -r broke\n"
    )
    # Not stamped: the next run tries again.
    rerun = _run(project, "setup-venv", "requirements-dev.txt")
    assert rerun.stdout.startswith("Updating the registry's packages")


def test_run_says_what_it_does_then_prints_the_banner(project: Path) -> None:
    result = _run(project, "run", PORT="8799")
    assert result.returncode == 0, result.stderr
    assert result.stdout == (
        "Preparing the database…\nLoading demo data…\n"
        + BANNER
        + "noise from python manage.py runserver 127.0.0.1:8799\n"
    )
    assert result.stderr == ""


def test_run_stops_with_the_error_when_the_database_step_fails(project: Path) -> None:
    result = _run(project, "run", FAIL_ON="migrate")
    assert result.returncode == 3
    assert result.stdout.endswith("Preparing the database…\n")
    assert result.stderr == "ERROR: migrate broke\n"
    assert "FH screening registry:" not in result.stdout


def test_run_shows_demo_data_errors(project: Path) -> None:
    result = _run(project, "run", FAIL_ON="seed_demo")
    assert result.returncode == 3
    assert result.stdout.endswith("Loading demo data…\n")
    assert result.stderr == "ERROR: seed_demo broke\n"
