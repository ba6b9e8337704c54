"""Pseudonyms are random, unambiguous to read aloud, and carry no person data."""

import re
from collections import Counter

from screening.models import PSEUDONYM_ALPHABET, new_pseudonym


def test_pseudonym_format_and_alphabet() -> None:
    pseudonyms = [new_pseudonym() for _ in range(2000)]
    assert all(re.fullmatch(r"FH-[A-HJ-NP-Z2-9]{10}", p) for p in pseudonyms)
    assert not set("01IO") & set(PSEUDONYM_ALPHABET)
    assert len(set(pseudonyms)) == len(pseudonyms)


def test_every_letter_is_used() -> None:
    letters = {letter for _ in range(500) for letter in new_pseudonym()[3:]}
    assert letters == set(PSEUDONYM_ALPHABET)


def test_letters_are_equally_likely() -> None:
    """No letter favoured: a biased mapping of random bits would make some
    pseudonyms likelier, and collisions with them."""
    counts = Counter(letter for _ in range(20_000) for letter in new_pseudonym()[3:])
    expected = 20_000 * 10 / len(PSEUDONYM_ALPHABET)  # 6,250, sd about 79
    assert all(abs(count - expected) < 0.08 * expected for count in counts.values())
