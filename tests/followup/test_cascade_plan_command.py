"""`manage.py cascade_plan FAMILY.json`: JSON Lines in order, exactly five keys,
no database; a malformed file names the bad entry and exits with status 2."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

FAMILY = {
    "persons": [
        {
            "id": "c1",
            "sex": "female",
            "birth_date": "2017-03-01",
            "mother": "m1",
            "father": "f1",
            "deceased": False,
            "consent_withdrawn": False,
            "genetic": {
                "result": "carrier",
                "gene": "LDLR",
                "hgvs": "c.681C>G",
                "acmg_class": "pathogenic",
            },
            "outcome": "positive",
            "invitation": None,
        },
        {"id": "m1", "sex": "female", "birth_date": "1986-01-01"},
        {"id": "f1", "sex": "male", "birth_date": "1984-01-01"},
        {
            "id": "s1",
            "sex": "male",
            "birth_date": "2020-01-01",
            "mother": "m1",
            "father": "f1",
        },
    ]
}


def run(path: Path) -> subprocess.CompletedProcess[str]:
    # No database: a URL that cannot connect proves the command never tries.
    env = {**os.environ, "DATABASE_URL": "postgres://nobody@127.0.0.1:1/none"}
    return subprocess.run(
        [sys.executable, "manage.py", "cascade_plan", str(path)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_prints_the_invitations_as_json_lines_in_order(tmp_path: Path) -> None:
    family = tmp_path / "family.json"
    family.write_text(json.dumps(FAMILY), encoding="utf-8")
    done = run(family)
    assert done.returncode == 0, done.stderr
    lines = [json.loads(line) for line in done.stdout.splitlines()]
    assert lines == [
        {
            "person": "m1",
            "test": "genetic",
            "variant": "c.681C>G",
            "because": "c1",
            "relation": "mother",
        },
        {
            "person": "f1",
            "test": "genetic",
            "variant": "c.681C>G",
            "because": "c1",
            "relation": "father",
        },
        {
            "person": "s1",
            "test": "genetic",
            "variant": "c.681C>G",
            "because": "c1",
            "relation": "sibling",
        },
    ]
    assert all(
        list(line) == ["person", "test", "variant", "because", "relation"]
        for line in lines
    )


def test_a_malformed_file_names_the_entry_and_exits_2(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text(
        json.dumps({"persons": [{"id": "c1", "father": "ghost"}]}), encoding="utf-8"
    )
    done = run(bad)
    assert done.returncode == 2
    assert "persons[0] (id 'c1'): father 'ghost' is not in the file" in done.stderr
    assert done.stdout == ""

    broken = tmp_path / "broken.json"
    broken.write_text('{"persons": [', encoding="utf-8")
    done = run(broken)
    assert done.returncode == 2
    assert "not valid JSON at line 1" in done.stderr
