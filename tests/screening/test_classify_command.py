"""`manage.py classify` runs on the sample CSV without a database."""

import io
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from screening.rules.csvio import classify_csv

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "classify_sample.csv"


def expected(ruleset: str, lang: str = "en") -> str:
    out = io.StringIO()
    with SAMPLE.open(encoding="utf-8") as source:
        classify_csv(source, out, ruleset, lang)
    return out.getvalue()


def test_writes_to_stdout_by_default():
    out, err = io.StringIO(), io.StringIO()
    call_command("classify", str(SAMPLE), ruleset="eas2015", stdout=out, stderr=err)
    assert out.getvalue() == expected("eas2015")
    assert out.getvalue().startswith(
        "child_ref,ruleset,ruleset_version,outcome,criterion,ldl_mmol_l,ldl_source,"
        "alerts,reasons,score\nC001,eas2015,2015.1,negative,,3.67,direct,,"
    )
    assert err.getvalue() == "25 row(s) classified with eas2015\n"


def test_writes_output_file_in_german(tmp_path):
    target = tmp_path / "out.csv"
    call_command(
        "classify", str(SAMPLE), ruleset="vroni", output=str(target), lang="de",
        stdout=io.StringIO(), stderr=io.StringIO(),
    )  # fmt: skip
    assert target.read_text(encoding="utf-8") == expected("vroni", "de")


def test_unreadable_file_is_a_command_error(tmp_path):
    with pytest.raises(CommandError, match="cannot read"):
        call_command("classify", str(tmp_path / "missing.csv"), ruleset="vroni")


def test_unknown_ruleset_is_refused():
    with pytest.raises(CommandError, match="invalid choice: 'eas2019'"):
        call_command("classify", str(SAMPLE), ruleset="eas2019")
