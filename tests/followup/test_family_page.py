"""The family page: a three-generation pedigree drawn server-side with the
standard symbols and the invitations' states, in English and German; relatives
added from the page link into the pedigree and set the cascade going; refused
input is shown by its field; coordinators move invitations on."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import pytest
from django.utils import timezone, translation
from django.utils.translation import gettext

from followup import invitations
from followup.models import CascadeInvitation
from screening import services as screening
from screening.models import Person
from tests.personas import api_client_for, child_page, client_for

pytestmark = pytest.mark.django_db

VARIANT = "c.681C>G"


@dataclass
class Family:
    """Three generations around Anna (child_a, the index case):

    grandfather (non-carrier) ── grandmother (deceased: obligate carrier)
                              │
                 father ── mother (P/LP, found through Anna: positive)
                         │
                Anna (P/LP, index)   Jonas (sibling: proposed)
    """

    child: Person
    mother: Person
    father: Person
    grandmother: Person
    grandfather: Person
    sibling: Person

    def invitation_of(self, person: Person) -> CascadeInvitation:
        return CascadeInvitation.objects.get(relative=person)


def identity(name: str) -> screening.IdentityEntry:
    return screening.IdentityEntry(given_name=name, family_name="Huber")


def genetic(user: Any, person: Person, *, carrier: bool = True) -> None:
    screening.record_genetic_result(
        acting_user=user,
        person=person,
        gene="LDLR",
        hgvs_c=VARIANT,
        acmg_class="pathogenic" if carrier else "",
        finding="carrier" if carrier else "non_carrier",
        lab="Genetics lab",
        report_date=timezone.localdate() - timedelta(days=1),
    )


def parent(user: Any, child: Person, sex: str, born: date, **kw: Any) -> Person:
    return screening.register_parent(
        acting_user=user,
        child=child,
        sex=sex,
        birth_date=born,
        identity=identity(f"{sex}{born.year}"),
        **kw,
    )


def three_generations(user: Any, child: Person) -> Family:
    genetic(user, child)
    mother = parent(user, child, "F", date(1985, 1, 1))
    father = parent(user, child, "M", date(1983, 1, 1))
    invitation = CascadeInvitation.objects.get(relative=mother)
    invitations.set_state(invitation, state="invited", acting_user=user)
    genetic(user, mother)  # her own result answers the invitation: positive
    grandmother = parent(user, mother, "F", date(1958, 1, 1), deceased=True)
    grandfather = parent(user, mother, "M", date(1955, 1, 1))
    genetic(user, grandfather, carrier=False)
    sibling = screening.register_child_of(
        acting_user=user,
        mother=mother,
        father=father,
        sex="M",
        birth_date=date(2012, 6, 1),
        identity=identity("Jonas"),
    )
    return Family(child, mother, father, grandmother, grandfather, sibling)


@pytest.fixture
def family(ped_a: Any, child_a: Person) -> Family:
    return three_generations(ped_a, child_a)


def family_page(user: Any, person: Person, lang: str = "en") -> str:
    response = client_for(user, lang).get(f"/followup/families/{person.pseudonym}/")
    assert response.status_code == 200
    return response.content.decode()


def member_svg(html: str, person: Person) -> str:
    """The SVG group drawing `person`."""
    match = re.search(
        rf'<g class="member[^"]*" data-person="{person.pseudonym}".*?</g>', html, re.S
    )
    assert match, person.pseudonym
    return match.group(0)


def test_the_pedigree_has_the_standard_symbols(ped_a: Any, family: Family) -> None:
    html = family_page(ped_a, family.child)
    assert 'role="img"' in html
    assert "<script" not in html
    assert "style=" not in html  # strict CSP: classes only

    child = member_svg(html, family.child)
    assert '<circle class="symbol female affected"' in child  # filled
    assert 'class="index-arrow"' in child  # the page's person is the index
    assert 'class="obligate-dot"' not in child

    mother = member_svg(html, family.mother)
    assert '<circle class="symbol female affected"' in mother
    assert '<text class="state"' in mother
    assert ">positive</text>" in mother

    grandmother = member_svg(html, family.grandmother)
    assert '<circle class="symbol female not-affected"' in grandmother
    assert 'class="obligate-dot"' in grandmother  # through mother, grandfather
    assert 'class="deceased-slash"' in grandmother
    assert 'class="state"' not in grandmother  # deceased: never invited

    grandfather = member_svg(html, family.grandfather)
    assert '<rect class="symbol male not-affected"' in grandfather
    assert "deceased-slash" not in grandfather
    assert "obligate-dot" not in grandfather

    father = member_svg(html, family.father)
    assert ">proposed</text>" in father
    assert ">proposed</text>" in member_svg(html, family.sibling)
    assert html.count('data-index="true"') == 1


def test_generations_are_rows_and_children_stand_under_their_parents(
    ped_a: Any, family: Family
) -> None:
    html = family_page(ped_a, family.child)

    def centre(person: Person) -> tuple[float, float]:
        group = member_svg(html, person)
        found = re.search(r'(?:cx|x)="([\d.]+)" (?:cy|y)="([\d.]+)"', group)
        assert found
        x, y = float(found.group(1)), float(found.group(2))
        return (x + 15, y + 15) if "<rect" in group else (x, y)

    rows = {p: centre(p)[1] for p in vars(family).values()}
    assert rows[family.grandmother] == rows[family.grandfather]
    assert rows[family.mother] == rows[family.father] > rows[family.grandmother]
    assert rows[family.child] == rows[family.sibling] > rows[family.mother]
    parents_mid = (centre(family.mother)[0] + centre(family.father)[0]) / 2
    children = [centre(family.child)[0], centre(family.sibling)[0]]
    assert min(children) <= parents_mid <= max(children)


def test_the_hidden_table_and_the_legend_say_the_same_in_both_languages(
    ped_a: Any, family: Family
) -> None:
    english = family_page(ped_a, family.child, "en")
    assert 'id="pedigree-facts"' in english
    assert 'class="visually-hidden"' in english
    assert "Pedigree of the family of " + family.child.pseudonym in english
    assert "obligate carrier" in english
    assert "slash: deceased" in english
    row = re.search(
        rf'<tr data-person="{family.grandmother.pseudonym}">.*?</tr>', english, re.S
    )
    assert row
    assert "obligate carrier" in row.group(0)
    assert "deceased" in row.group(0)

    german = family_page(ped_a, family.child, "de")
    assert '<html lang="de">' in german
    with translation.override("de"):
        for text in ("Pedigree", "Legend", "obligate carrier", "slash: deceased"):
            assert gettext(text) in german
        assert gettext("mother") == "Mutter"
    assert "Mutter" in german
    assert "weiblich" in german


def test_the_invitations_are_listed_with_their_reasons(
    ped_a: Any, family: Family
) -> None:
    html = family_page(ped_a, family.child)
    table = html[html.index('id="invitations"') :]
    sibling = re.search(
        rf'<tr data-invitation="\d+" data-relative="{family.sibling.pseudonym}" '
        r'data-state="proposed">(.*?)</tr>',
        table,
        re.S,
    )
    assert sibling
    cells = re.findall(r"<td>(.*?)</td>", sibling.group(1), re.S)
    assert cells[1:6] == [
        "sibling",
        "genetic test for the family&#x27;s variant",
        "c.681C&gt;G",
        "proposed",
        family.child.pseudonym,
    ]
    # Pediatricians read the list; only coordinators get the buttons.
    assert "/followup/invitations/" not in html
    assert f"/screening/children/{family.sibling.pseudonym}/genetic-results/new/" in (
        html
    )


def test_a_coordinator_moves_an_invitation_and_a_refused_step_says_why(
    coord: Any, family: Family
) -> None:
    html = family_page(coord, family.child)
    invitation = family.invitation_of(family.sibling)
    assert f'action="/followup/invitations/{invitation.pk}/state/"' in html
    assert 'value="invited"' in html

    page = client_for(coord)
    response = page.post(
        f"/followup/invitations/{invitation.pk}/state/",
        {"state": "invited", "family": family.child.pseudonym},
        follow=True,
    )
    assert response.redirect_chain[-1][0] == (
        f"/followup/families/{family.child.pseudonym}/"
    )
    assert "The invitation moved on." in response.content.decode()
    assert family.invitation_of(family.sibling).state == "invited"

    response = page.post(
        f"/followup/invitations/{invitation.pk}/state/",
        {"state": "positive", "family": family.child.pseudonym},
        follow=True,
    )
    assert "An invitation that is invited cannot become positive." in (
        response.content.decode()
    )
    assert family.invitation_of(family.sibling).state == "invited"


def _identity_fields(prefix: str, name: str) -> dict[str, str]:
    return {f"{prefix}-given_name": name, f"{prefix}-family_name": "Huber"}


def test_parents_added_from_the_page_link_and_an_affected_child_invites_them(
    ped_a: Any, child_a: Person
) -> None:
    genetic(ped_a, child_a)
    page = client_for(ped_a)
    url = f"/followup/families/{child_a.pseudonym}/"
    response = page.post(
        url + "parents/",
        {
            "parent-child": child_a.pseudonym,
            "parent-parent": "F",
            "parent-birth_date": "1986-02-03",
            **_identity_fields("parent", "Maria"),
        },
    )
    assert response.status_code == 302
    assert response["Location"] == url
    child_a.refresh_from_db()
    assert child_a.mother is not None
    assert child_a.mother.identity.given_name == "Maria"
    assert CascadeInvitation.objects.get(relative=child_a.mother).relation == "mother"

    # A sibling is a child of the same mother; the grandmother a mother's mother.
    response = page.post(
        url + "children/",
        {
            "child-mother": child_a.mother.pseudonym,
            "child-sex": "M",
            "child-birth_date": "2013-04-05",
            **_identity_fields("child", "Jonas"),
        },
    )
    assert response.status_code == 302
    sibling = Person.objects.get(identity__given_name="Jonas")
    assert sibling.mother == child_a.mother
    assert sibling.father is None
    # Only the mother is shared and she is not known affected: no invitation.
    assert not CascadeInvitation.objects.filter(relative=sibling).exists()

    html = family_page(ped_a, child_a)
    assert html.count('<g class="member') == 3
    assert "Parent added." not in html  # messages were shown on the redirect

    response = page.post(
        url + "vital-status/",
        {"vital-member": child_a.mother.pseudonym, "vital-deceased": "on"},
    )
    assert response.status_code == 302
    child_a.mother.refresh_from_db()
    assert child_a.mother.deceased


def test_refused_input_is_shown_by_its_field(ped_a: Any, child_a: Person) -> None:
    page = client_for(ped_a)
    url = f"/followup/families/{child_a.pseudonym}/"
    response = page.post(
        url + "parents/",
        {
            "parent-child": child_a.pseudonym,
            "parent-parent": "F",
            "parent-birth_date": "2020-01-01",  # after the child's birth
            **_identity_fields("parent", "Maria"),
        },
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert (
        '<p class="field-error" data-field="birth_date" role="alert">'
        "A parent is born before the child.</p>"
    ) in html
    assert 'id="add-parent"' in html

    response = page.post(
        url + "children/",
        {"child-sex": "M", "child-birth_date": "2013-04-05"},
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert 'data-field="given_name" role="alert">This field is required.' in html

    response = page.post(
        url + "children/",
        {
            "child-sex": "M",
            "child-birth_date": "2013-04-05",
            **_identity_fields("child", "Jonas"),
        },
    )
    assert response.status_code == 400
    assert "Name at least one registered parent." in response.content.decode()
    assert not Person.objects.filter(identity__given_name="Jonas").exists()


def test_the_child_s_page_leads_to_the_family_and_lists_invitations(
    ped_a: Any, family: Family
) -> None:
    html = child_page(ped_a, family.mother)
    part = html[html.index('id="family-cascade"') :]
    assert f'href="/followup/families/{family.mother.pseudonym}/"' in part
    assert f"Invited as mother of {family.child.pseudonym}" in part
    assert f"Invited because of this person: {family.grandfather.pseudonym}" in part


def test_the_families_api_returns_the_pedigree_with_pseudonyms_only(
    ped_a: Any, family: Family
) -> None:
    response = api_client_for(ped_a).get(
        f"/api/v1/families/{family.sibling.pseudonym}/"
    )
    assert response.status_code == 200
    body = response.json()
    # Jonas is an invited relative: the arrow is the family's index case.
    assert body["index"] == family.child.pseudonym
    members = {m["pseudonym"]: m for m in body["members"]}
    assert list(members) == [
        p.pseudonym
        for p in (
            family.grandfather,
            family.grandmother,
            family.father,
            family.mother,
            family.sibling,
            family.child,
        )
    ]
    assert members[family.grandmother.pseudonym] == {
        "pseudonym": family.grandmother.pseudonym,
        "sex": "F",
        "birth_year": 1958,
        "mother": None,
        "father": None,
        "deceased": True,
        "status": "affected",
        "obligate_carrier": True,
        "invitation": None,
    }
    assert members[family.sibling.pseudonym] == {
        "pseudonym": family.sibling.pseudonym,
        "sex": "M",
        "birth_year": 2012,
        "mother": family.mother.pseudonym,
        "father": family.father.pseudonym,
        "deceased": False,
        "status": "unknown",
        "obligate_carrier": False,
        "invitation": {
            "state": "proposed",
            "test": "genetic",
            "variant": VARIANT,
            "relation": "sibling",
            "because": family.child.pseudonym,
        },
    }
    assert members[family.mother.pseudonym]["invitation"]["state"] == "positive"
    assert members[family.grandfather.pseudonym]["status"] == "unaffected"
    assert "Huber" not in response.content.decode()  # no names


def test_the_families_api_reads_in_a_fixed_number_of_queries(
    ped_a: Any, family: Family, django_assert_max_num_queries: Any
) -> None:
    api = api_client_for(ped_a)
    with django_assert_max_num_queries(25):
        assert api.get(f"/api/v1/families/{family.child.pseudonym}/").status_code == (
            200
        )
