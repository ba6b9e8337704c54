"""The pure cascade planner on three-generation families (rules 1-6)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Any

import pytest

from followup.cascade import (
    FamilyFileError,
    Genetic,
    Member,
    members_from_json,
    plan,
)

LDLR = "c.681C>G"
VUS_HGVS = "c.1A>T"


def carrier(hgvs: str = LDLR, acmg: str = "pathogenic") -> Genetic:
    return Genetic("carrier", "LDLR", hgvs, acmg)


NON_CARRIER = Genetic("non_carrier", "LDLR", LDLR, "")


def person(pid: str, born: str, sex: str = "female", **facts: Any) -> Member:
    return Member(id=pid, sex=sex, birth_date=date.fromisoformat(born), **facts)


def planned(members: list[Member]) -> list[tuple[str, str, str | None, str, str]]:
    return [(i.person, i.test, i.variant, i.because, i.relation) for i in plan(members)]


def three_generations(**changes: dict[str, Any]) -> list[Member]:
    """Grandparents gm/gf; their children m (mother of the index) and aunt a;
    m and f's children c1 (index, 2017) and c2 (2014); f's child h (2019) with
    another partner p; a's child cousin k."""
    facts: dict[str, dict[str, Any]] = {
        "gm": {"born": "1955-01-01"},
        "gf": {"born": "1953-01-01", "sex": "male"},
        "m": {"born": "1985-05-05", "mother": "gm", "father": "gf"},
        "a": {"born": "1988-02-02", "mother": "gm", "father": "gf"},
        "f": {"born": "1983-03-03", "sex": "male"},
        "p": {"born": "1990-01-01"},
        "c1": {"born": "2017-03-01", "mother": "m", "father": "f"},
        "c2": {"born": "2014-06-01", "sex": "male", "mother": "m", "father": "f"},
        "h": {"born": "2019-09-09", "mother": "p", "father": "f"},
        "k": {"born": "2015-01-01", "mother": "a"},
    }
    for pid, extra in changes.items():
        facts[pid] = {**facts[pid], **extra}
    return [person(pid, **f) for pid, f in facts.items()]


def test_a_p_lp_index_invites_parents_first_then_siblings_genetically() -> None:
    family = three_generations(c1={"genetic": carrier(), "outcome": "positive"})
    assert planned(family) == [
        ("m", "genetic", LDLR, "c1", "mother"),
        ("f", "genetic", LDLR, "c1", "father"),
        ("c2", "genetic", LDLR, "c1", "sibling"),
    ]
    # The half-sibling h waits: the shared father's status is unknown.


def test_a_parent_found_carrying_it_ends_the_other_side_and_extends_the_cascade() -> (
    None
):
    family = three_generations(
        c1={"genetic": carrier(), "outcome": "positive", "invitation": None},
        m={"genetic": carrier(), "invitation": "positive"},
        f={"invitation": "invited"},
        c2={"invitation": "invited"},
    )
    # m carries the variant (its origin is found): f is not invited for it; the
    # cascade runs on through m to her parents and sister, then her niece k.
    assert planned(family) == [
        ("gm", "genetic", LDLR, "m", "mother"),
        ("gf", "genetic", LDLR, "m", "father"),
        ("a", "genetic", LDLR, "m", "sibling"),
    ]
    # ...and once the aunt is a carrier too, her child k.
    family = three_generations(
        c1={"genetic": carrier()},
        m={"genetic": carrier(), "invitation": "positive"},
        f={"invitation": "invited"},
        c2={"invitation": "invited"},
        gm={"invitation": "invited"},
        gf={"invitation": "invited"},
        a={"genetic": carrier(), "invitation": "positive"},
    )
    assert planned(family) == [("k", "genetic", LDLR, "a", "child")]


def test_a_non_carrier_parent_makes_the_other_an_obligate_carrier_even_deceased() -> (
    None
):
    family = three_generations(
        c1={"genetic": carrier()},
        f={"genetic": NON_CARRIER, "invitation": "negative"},
        m={"deceased": True},
        c2={"invitation": "declined"},
    )
    # m, dead, is an obligate carrier: not invited, but her parents and sister
    # are, genetically; the father's branch ends (non-carrier); the declined
    # brother is final.
    assert planned(family) == [
        ("gm", "genetic", LDLR, "m", "mother"),
        ("gf", "genetic", LDLR, "m", "father"),
        ("a", "genetic", LDLR, "m", "sibling"),
    ]


def test_a_living_untested_obligate_carrier_is_invited_to_confirm() -> None:
    family = three_generations(
        c1={"genetic": carrier()},
        f={"genetic": NON_CARRIER, "invitation": "negative"},
        c2={"invitation": "invited"},
    )
    assert planned(family)[0] == ("m", "genetic", LDLR, "c1", "mother")
    assert ("a", "genetic", LDLR, "m", "sibling") in planned(family)


def test_obligate_carriers_are_found_through_generations() -> None:
    # c1 carries; f is a non-carrier: m is obligate. gf is a non-carrier: gm is
    # obligate too, though nobody tested her.
    family = three_generations(
        c1={"genetic": carrier()},
        f={"genetic": NON_CARRIER, "invitation": "negative"},
        m={"deceased": True},
        gf={"genetic": NON_CARRIER, "invitation": "negative"},
        c2={"invitation": "invited"},
        a={"invitation": "invited"},
    )
    assert planned(family) == [("gm", "genetic", LDLR, "m", "mother")]


def test_half_siblings_are_invited_when_the_shared_parent_is_affected() -> None:
    family = three_generations(
        c1={"genetic": carrier()},
        f={"genetic": carrier(), "invitation": "positive"},
        m={"invitation": "invited"},
        c2={"invitation": "invited"},
    )
    # Through f (the origin): his half-child h is the index's half-sibling.
    assert ("h", "genetic", LDLR, "c1", "half_sibling") in planned(family)
    assert "p" not in {row[0] for row in planned(family)}  # not a blood relative


def test_a_vus_index_has_its_parents_segregation_tested_and_others_lipids() -> None:
    family = three_generations(
        c1={"genetic": carrier(VUS_HGVS, "vus"), "outcome": "positive"}
    )
    assert planned(family) == [
        ("m", "segregation", VUS_HGVS, "c1", "mother"),
        ("f", "segregation", VUS_HGVS, "c1", "father"),
        ("c2", "lipids", None, "c1", "sibling"),
    ]


def test_a_phenotypic_cascade_without_a_variant_stops_at_negative_relatives() -> None:
    family = three_generations(
        c1={"outcome": "positive"},
        m={"outcome": "negative", "invitation": "negative"},
        f={"outcome": "definite", "invitation": "positive"},
        c2={"invitation": "declined"},
    )
    # m is unaffected (no P/LP in the family, negative): her branch ends; f is
    # affected: his child h (the index's half-sibling) and nobody on m's side.
    assert planned(family) == [("h", "lipids", None, "c1", "half_sibling")]


def test_negative_lipids_do_not_clear_a_relative_where_the_family_has_a_variant() -> (
    None
):
    family = three_generations(c1={"genetic": carrier()}, c2={"outcome": "negative"})
    assert ("c2", "genetic", LDLR, "c1", "sibling") in planned(family)


def test_children_are_invited_younger_first_and_due_by_ten_or_by_five() -> None:
    members = [
        person("m", "1980-01-01", genetic=carrier()),
        person("f", "1979-01-01", sex="male", outcome="positive"),
        person("old", "2012-02-29", mother="m", father="f"),
        person("young", "2020-07-01", mother="m", father="f"),
        person("other", "2018-01-01", mother="m"),
    ]
    invitations = plan(members)
    assert [(i.person, i.relation, i.because) for i in invitations] == [
        ("young", "child", "m"),
        ("other", "child", "m"),
        ("old", "child", "m"),
    ]
    due = {i.person: i.due_by for i in invitations}
    assert due == {
        "young": date(2025, 7, 1),  # both parents affected: by age 5
        "old": date(2017, 2, 28),
        "other": date(2028, 1, 1),  # father unknown: by age 10
    }


def test_withdrawn_deceased_or_already_invited_relatives_are_not_proposed() -> None:
    family = three_generations(
        c1={"genetic": carrier()},
        m={"consent_withdrawn": True},
        f={"deceased": True},
        c2={"invitation": "unreachable"},
    )
    assert planned(family) == []


def test_planning_again_proposes_nothing_twice() -> None:
    family = three_generations(c1={"genetic": carrier(), "outcome": "positive"})
    first = plan(family)
    invited = {i.person for i in first}
    again = [
        replace(m, invitation="proposed") if m.id in invited else m for m in family
    ]
    assert plan(again) == []


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ([], '"persons" list'),
        ({"persons": [{"sex": "female"}]}, 'persons[0]: "id"'),
        (
            {"persons": [{"id": "a"}, {"id": "a"}]},
            "persons[1] (id 'a'): the id is used twice",
        ),
        ({"persons": [{"id": "a", "mother": "x"}]}, "mother 'x' is not in the file"),
        ({"persons": [{"id": "a", "birth_date": "2017-13-01"}]}, '"birth_date"'),
        ({"persons": [{"id": "a", "outcome": "maybe"}]}, "\"outcome\" 'maybe'"),
        ({"persons": [{"id": "a", "genetic": {"result": "carrier"}}]}, "acmg_class"),
        (
            {"persons": [{"id": "a", "deceased": "no"}]},
            '"deceased" must be true or false',
        ),
        (
            {"persons": [{"id": "a", "mother": "b"}, {"id": "b", "mother": "a"}]},
            "loop",
        ),
        (
            {"persons": [{"id": "a", "father": "b"}, {"id": "b", "sex": "female"}]},
            "father 'b' is recorded as female",
        ),
    ],
)
def test_a_malformed_family_file_names_the_bad_entry(data: Any, message: str) -> None:
    with pytest.raises(FamilyFileError) as refused:
        members_from_json(data)
    assert message in str(refused.value)


def test_omitted_optional_keys_mean_null_or_false() -> None:
    (only,) = members_from_json({"persons": [{"id": "x", "sex": "male"}]})
    assert only == Member(id="x", sex="male")
