"""Pseudonyms are random, unambiguous to read aloud, and carry no person data."""

import re

from screening.models import PSEUDONYM_ALPHABET, new_pseudonym


def test_pseudonym_format_and_alphabet() -> None:
    pseudonyms = [new_pseudonym() for _ in range(2000)]
    assert all(re.fullmatch(r"FH-[A-HJ-NP-Z2-9]{10}", p) for p in pseudonyms)
    assert not set("01IO") & set(PSEUDONYM_ALPHABET)
    assert len(set(pseudonyms)) == len(pseudonyms)


def test_every_letter_is_used() -> None:
    letters = {letter for _ in range(500) for letter in new_pseudonym()[3:]}
    assert letters == set(PSEUDONYM_ALPHABET)
