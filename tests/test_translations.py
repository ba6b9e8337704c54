"""The German catalogue is complete: makemessages finds no string without a
German translation (none empty, none fuzzy), and the compiled catalogue the
pages read is the one the sources hold."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CATALOGUE = Path("locale/de/LC_MESSAGES/django.po")
SOURCES = (
    "fh_registry",
    "screening",
    "followup",
    "epidemiology",
    "interop",
    "templates",
)


def _entries(po_text: str) -> list[tuple[str, str, bool]]:
    """(msgid, msgstr, fuzzy) per live entry of a .po text (plural forms joined)."""
    entries = []
    for block in po_text.split("\n\n"):
        if block.startswith("#~") or "msgid" not in block:
            continue
        fuzzy = "#, fuzzy" in block or re.search(r"^#,.*\bfuzzy\b", block, re.M)
        msgid = _joined(block, "msgid")
        msgstr = _joined(block, r"msgstr(?:\[\d\])?")
        entries.append((msgid, msgstr, bool(fuzzy)))
    return [entry for entry in entries if entry[0]]  # the header has no msgid


def _joined(block: str, keyword: str) -> str:
    parts = re.findall(rf'^{keyword} ((?:".*"\n?)+)', block + "\n", re.M)
    return "".join("".join(re.findall(r'"(.*)"', part)) for part in parts)


def test_makemessages_leaves_no_german_string_untranslated(tmp_path: Path) -> None:
    for name in (*SOURCES, "locale", "manage.py", "pyproject.toml"):
        source = ROOT / name
        target = tmp_path / name
        if source.is_dir():
            shutil.copytree(source, target, ignore=shutil.ignore_patterns("*.pyc"))
        else:
            shutil.copy(source, target)
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "fh_registry.settings"}
    env["DATABASE_URL"] = f"sqlite:///{tmp_path / 'unused.sqlite3'}"
    subprocess.run(
        [sys.executable, "manage.py", "makemessages", "-l", "de", "-v", "0"],
        cwd=tmp_path,
        env=env,
        check=True,
        timeout=300,
    )
    found = _entries((tmp_path / CATALOGUE).read_text(encoding="utf-8"))
    assert found, "makemessages found no strings"
    missing = [msgid for msgid, msgstr, fuzzy in found if not msgstr or fuzzy]
    assert missing == []


def test_the_compiled_catalogue_matches_its_source(tmp_path: Path) -> None:
    compiled = tmp_path / "django.mo"
    subprocess.run(
        ["msgfmt", "--check", "-o", str(compiled), str(ROOT / CATALOGUE)],
        check=True,
        timeout=60,
    )
    assert compiled.read_bytes() == (ROOT / CATALOGUE).with_suffix(".mo").read_bytes()
