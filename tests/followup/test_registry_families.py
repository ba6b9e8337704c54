"""Pedigrees found for whole-registry planning: everyone linked by parent links,
however far, and only pedigrees holding someone who may be affected."""

from __future__ import annotations

from datetime import date

from followup.invitations import _families_of

BORN = date(1990, 1, 1)


def person(pk: int, mother: int | None = None, father: int | None = None) -> tuple:
    return (pk, "F", BORN, mother, father, False)


def families(seeds: set[int], linked: list[tuple]) -> set[frozenset[int]]:
    return {frozenset(linked[at][0] for at in f) for f in _families_of(seeds, linked)}


def test_a_pedigree_is_everyone_linked_however_far() -> None:
    # Two grandmothers' lines meet in a grandchild; 90 is a half-sibling by
    # the father 40; a second family (200s) has no seed; 300 stands alone.
    linked = [
        person(10),
        person(11),
        person(20, mother=10),
        person(30, mother=11),
        person(40),
        person(50, mother=20, father=30),
        person(90, father=40),
        person(60, mother=50, father=40),
        person(200),
        person(201, mother=200),
        person(300),
    ]
    assert families({60}, linked) == {frozenset({10, 11, 20, 30, 40, 50, 60, 90})}
    assert families({60, 201}, linked) == {
        frozenset({10, 11, 20, 30, 40, 50, 60, 90}),
        frozenset({200, 201}),
    }
    assert families(set(), linked) == set()


def test_a_long_line_in_any_order_is_one_family() -> None:
    # Ten generations, listed youngest first with the highest ids first: the
    # smallest label has to travel the whole line.
    line = [person(1000 - g, mother=1000 - g - 1 if g < 9 else None) for g in range(10)]
    assert families({1000}, line) == {frozenset(range(991, 1001))}


def test_a_parent_outside_the_linked_rows_is_ignored() -> None:
    assert families({2}, [person(2, mother=999), person(3)]) == {frozenset({2})}
