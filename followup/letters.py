"""Letters to families as PDF (reportlab platypus): the family letter to an index
child's parents, and an invitation letter per relative carrying a fresh
single-use answer code for the public answer page.

Names and addresses are read from PersonIdentity only to print them; nothing of
a letter is stored, and no letter text goes into an export or statistics.
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import NoReturn
from xml.sax.saxutils import escape

from django.conf import settings
from django.db import transaction
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _
from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import (
    BaseDocTemplate,
    Flowable,
    Frame,
    PageBreak,
    PageTemplate,
    Paragraph,
    Spacer,
)

from fh_registry.models import Practice, User
from followup import cascade, invitations
from followup.models import CascadeInvitation, CascadeTest
from followup.services import FollowUpError
from screening.models import GeneticResult, Person, PersonIdentity

ADULT_AGE = 18  # younger relatives are written to through their parents

# Helvetica is one of the PDF standard fonts: nothing to embed, and its
# encoding (WinAnsi) covers German.
_BODY = ParagraphStyle(
    "letter-body", fontName="Helvetica", fontSize=10.5, leading=14.5, spaceAfter=7
)
_HEAD = ParagraphStyle(
    "letter-head", parent=_BODY, fontSize=9, leading=12, alignment=TA_RIGHT
)
_ADDRESS = ParagraphStyle("letter-address", parent=_BODY, spaceAfter=0)
_DATE = ParagraphStyle("letter-date", parent=_BODY, alignment=TA_RIGHT)
_SUBJECT = ParagraphStyle(
    "letter-subject", parent=_BODY, fontName="Helvetica-Bold", spaceBefore=4
)
_EMPHASIS = ParagraphStyle("letter-emphasis", parent=_BODY, leftIndent=10 * mm)
_CODE = ParagraphStyle(
    "letter-code",
    parent=_BODY,
    fontName="Courier-Bold",
    fontSize=15,
    leading=20,
    leftIndent=10 * mm,
)


@dataclass(frozen=True, slots=True)
class _Letter:
    """One letter's words in the reader's language, before layout. Texts are
    plain (escaped at layout); `body` pairs a paragraph style with its text."""

    practice: Practice
    recipient: tuple[str, ...]
    subject: str
    salutation: str
    body: tuple[tuple[ParagraphStyle, str], ...]


# --- Invitation letters ---------------------------------------------------------


def invitation_letters(
    invitations_: list[CascadeInvitation],
    *,
    lang: str | None = None,
    acting_user: User | None = None,
) -> bytes:
    """One PDF with a letter per invitation, each from a new page, in the given
    order. Each invitation gets a fresh answer code (an earlier one stops
    working) and a proposed one becomes invited, which completes its queue task
    (`invitations.issue_letters`); all of it or nothing: a refused invitation
    refuses the batch, and a layout failure leaves every code as it was."""
    language = _language(lang)
    with transaction.atomic(), translation.override(language):
        codes = invitations.issue_letters(invitations_, acting_user=acting_user)
        rows = CascadeInvitation.objects.filter(pk__in=codes).select_related(
            "relative__practice", "relative__identity"
        )
        by_id = {invitation.pk: invitation for invitation in rows}
        genes = _genes(by_id.values())
        today = timezone.localdate()
        letters = []
        for invitation in invitations_:
            row = by_id[invitation.pk]
            gene = genes.get((row.because_id, row.variant), "")
            letters.append(_invitation_letter(row, codes[row.pk], gene, today))
        return _pdf(letters, title=_("Invitation to a cascade test"), lang=language)


def offered_test(test: str, *, variant: str = "", gene: str = "") -> str:
    """The test offered, in words; the variant is named where given (letters),
    left out where it is not (the answer page)."""
    named = " ".join(part for part in (gene, variant) if part)
    if test == CascadeTest.GENETIC:
        words = _("a genetic test for the variant known in the family")
    elif test == CascadeTest.SEGREGATION:
        words = _(
            "a segregation test: a genetic test showing whether a variant of "
            "uncertain significance found in the family goes with high cholesterol"
        )
    else:
        words = _("a blood test of the lipid values (lipid profile)")
    return f"{words} ({named})" if named else words


def answer_link() -> str:
    return f"{settings.PUBLIC_BASE_URL.rstrip('/')}/answer/"


def printed_code(code: str) -> str:
    """The code as printed: in two groups, easier to read and type."""
    middle = len(code) // 2
    return f"{code[:middle]}-{code[middle:]}"


def _genes(rows: Iterable[CascadeInvitation]) -> dict[tuple[int, str], str]:
    """The gene of each (because, variant) pair, from the affected person's
    report (an obligate carrier has none: the letter then names the variant)."""
    wanted = {(i.because_id, i.variant) for i in rows if i.variant}
    if not wanted:
        return {}
    found = GeneticResult.objects.filter(
        person_id__in={because for because, _variant in wanted},
        hgvs_c__in={variant for _because, variant in wanted},
    ).values_list("person_id", "hgvs_c", "gene")
    return {(person_id, hgvs): gene for person_id, hgvs, gene in found}


def _invitation_letter(
    invitation: CascadeInvitation, code: str, gene: str, today: date
) -> _Letter:
    relative = invitation.relative
    identity = _identity_of(relative)
    name = _name(identity) or _no_name()
    minor = relative.age_on(today) < ADULT_AGE
    practice = relative.practice
    body = [
        (
            _BODY,
            _(
                "A hereditary form of high cholesterol, familial "
                "hypercholesterolaemia (FH), has been found in a close relative of "
                "%(name)s. FH runs in families: each parent, brother, sister and "
                "child of a person with FH has a one-in-two chance of having it "
                "too. It causes no complaints for many years, but without treatment "
                "it leads to heart disease early in life. Found early, it is "
                "treated well."
            )
            % {"name": name},
        ),
        (_BODY, _("We therefore offer %(name)s:") % {"name": name}),
        (
            _EMPHASIS,
            offered_test(invitation.test, variant=invitation.variant, gene=gene),
        ),
    ]
    if invitation.due_by is not None:
        body.append(
            (
                _BODY,
                _("The test should be done by %(date)s.")
                % {"date": _date(invitation.due_by)},
            )
        )
    body += [
        (
            _BODY,
            _(
                "Please tell us whether %(name)s would like to take part: on the "
                "page %(link)s, enter this code:"
            )
            % {"name": name, "link": answer_link()},
        ),
        (_CODE, printed_code(code)),
        (
            _BODY,
            _("The code can be used once, until %(date)s.")
            % {"date": _date(invitation.answer_code_expires_on or today)},
        ),
        (_BODY, _contact_us(practice)),
        (
            _BODY,
            _(
                "Taking part is voluntary. Nothing is done before you have given "
                "your consent."
            ),
        ),
    ]
    return _Letter(
        practice=practice,
        recipient=_recipient(
            [_("To the parents of %(name)s") % {"name": name}] if minor else [name],
            identity,
        ),
        subject=_("Invitation to a test for familial hypercholesterolaemia"),
        salutation=(_("Dear parents of %(name)s,") if minor else _("Dear %(name)s,"))
        % {"name": name},
        body=tuple(body),
    )


def _no_name() -> NoReturn:
    """A letter is addressed by name: a record without one is completed first."""
    raise FollowUpError(
        "no_identity",
        _(
            "The letter needs the name and address on the record: complete the "
            "record first."
        ),
    )


# --- The family letter ------------------------------------------------------------


def family_letter(index: Person, *, lang: str | None = None) -> bytes:
    """The letter to the index child's parents: the finding, what FH means, and
    the cascade. Refused (FollowUpError) for a person without an FH finding."""
    language = _language(lang)
    with translation.override(language):
        letter = _family_letter(index)
        return _pdf([letter], title=_("Family letter"), lang=language)


def _family_letter(index: Person) -> _Letter:
    (member,) = invitations.members_of({index.pk})
    genetic = member.genetic
    variant = genetic if genetic is not None and genetic.is_pathogenic else None
    if variant is None and member.outcome not in cascade.AFFECTED_OUTCOMES:
        raise FollowUpError(
            "no_finding",
            _("There is no FH finding for this person to write to the family about."),
        )
    practice = Practice.objects.get(pk=index.practice_id)  # the letterhead as now
    parents, child_identity = _parents_and_child(index)
    child = _name(child_identity) or _no_name()
    if variant is not None:
        finding = _(
            "The genetic test of %(name)s found a change (variant) in the gene "
            "%(gene)s (%(variant)s) that causes familial hypercholesterolaemia (FH)."
        ) % {"name": child, "gene": variant.gene, "variant": variant.hgvs}
        relatives_test = _(
            "For the relatives, a genetic test for this variant shows whether they "
            "have FH."
        )
    else:
        finding = _(
            "The blood test of %(name)s showed a high level of LDL cholesterol, the "
            "cholesterol that harms the vessels. With the further findings this "
            "points to familial hypercholesterolaemia (FH)."
        ) % {"name": child}
        relatives_test = _(
            "For the relatives, a blood test of the lipid values (lipid profile) "
            "shows whether they may have FH."
        )
    texts = [
        finding,
        _(
            "In FH the body clears LDL cholesterol from the blood too slowly, so "
            "that it is high from birth. FH causes no complaints for many years, "
            "but without treatment it leads to heart disease early in life. Found "
            "early and treated, people with FH live as long and as well as others."
        ),
        _(
            "FH is inherited: each parent, brother, sister and child of a person "
            "with FH has a one-in-two chance of having it too, mostly without "
            "knowing. We therefore offer the close relatives of %(name)s a test, "
            "the parents first, then brothers and sisters (cascade testing)."
        )
        % {"name": child},
        relatives_test,
        _(
            "Each relative whose address we have receives a personal letter with a "
            "code to answer. Taking part is voluntary; nothing is done without "
            "their consent. We write only to relatives whose details you have "
            "shared with us: please pass this letter on to your close relatives, "
            "or tell us whether we may contact them."
        ),
        _contact_us(practice),
    ]
    names = [_name(parent) for parent in parents]
    return _Letter(
        practice=practice,
        recipient=_recipient(
            names or [_("To the parents of %(name)s") % {"name": child}],
            parents[0] if parents else child_identity,
        ),
        subject=_("Familial hypercholesterolaemia in your family"),
        salutation=(
            _("Dear %(names)s,") % {"names": _(" and ").join(names)}
            if names
            else _("Dear parents of %(name)s,") % {"name": child}
        ),
        body=tuple((_BODY, text) for text in texts),
    )


def _parents_and_child(
    index: Person,
) -> tuple[list[PersonIdentity], PersonIdentity | None]:
    """The living registered parents' identities (mother first), and the
    child's own."""
    parent_ids = [pk for pk in (index.mother_id, index.father_id) if pk is not None]
    found = {
        identity.person_id: identity
        for identity in PersonIdentity.objects.filter(
            person_id__in=[index.pk, *parent_ids]
        ).select_related("person")
    }
    parents = [
        found[pk] for pk in parent_ids if pk in found and not found[pk].person.deceased
    ]
    # An address is wanted: a parent with one comes first.
    parents.sort(key=lambda identity: not identity.street)
    return parents, found.get(index.pk)


# --- Words shared by both letters ----------------------------------------------------


def _language(lang: str | None) -> str:
    language = lang or settings.LANGUAGE_CODE
    if language not in dict(settings.LANGUAGES):
        raise ValueError(f"No letters in {language!r}")
    return language


def _identity_of(person: Person) -> PersonIdentity | None:
    try:
        return person.identity
    except PersonIdentity.DoesNotExist:
        return None


def _name(identity: PersonIdentity | None) -> str:
    if identity is None:
        return ""
    return f"{identity.given_name} {identity.family_name}".strip()


def _recipient(
    first_lines: list[str], identity: PersonIdentity | None
) -> tuple[str, ...]:
    lines = list(first_lines)
    if identity is not None:
        town = f"{identity.postcode} {identity.city}".strip()
        lines += [line for line in (identity.street, town) if line]
    return tuple(lines)


def _contact_us(practice: Practice) -> str:
    if practice.phone:
        return _("If you have questions, please call us: %(phone)s.") % {
            "phone": practice.phone
        }
    return _("If you have questions, please contact the practice.")


def _date(day: date) -> str:
    return formats.date_format(day, "DATE_FORMAT")


# --- Layout -------------------------------------------------------------------------


def _pdf(letters: list[_Letter], *, title: str, lang: str) -> bytes:
    """All letters in one document, each from a new page."""
    buffer = io.BytesIO()
    document = BaseDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=25 * mm,
        rightMargin=20 * mm,
        topMargin=15 * mm,
        bottomMargin=20 * mm,
        title=title,
        lang=lang,
        pageCompression=1,
    )
    frame = Frame(
        document.leftMargin,
        document.bottomMargin,
        document.width,
        document.height,
        id="letter",
    )
    document.addPageTemplates([PageTemplate(id="letter", frames=[frame])])
    story: list[Flowable] = []
    today = _date(timezone.localdate())
    for letter in letters:
        if story:
            story.append(PageBreak())
        story += _layout(letter, today)
    document.build(story)
    return buffer.getvalue()


def _layout(letter: _Letter, today: str) -> list[Flowable]:
    return [
        Paragraph(_letterhead(letter.practice), _HEAD),
        Spacer(1, 14 * mm),
        Paragraph(_lines(letter.recipient), _ADDRESS),
        Spacer(1, 14 * mm),
        Paragraph(escape(today), _DATE),
        Paragraph(escape(letter.subject), _SUBJECT),
        Paragraph(escape(letter.salutation), _BODY),
        *(Paragraph(escape(text), style) for style, text in letter.body),
        Spacer(1, 4 * mm),
        Paragraph(_lines([_("Kind regards"), letter.practice.name]), _BODY),
    ]


def _letterhead(practice: Practice) -> str:
    lines = [
        *practice.letterhead_address.splitlines(),
        _("Phone %(phone)s") % {"phone": practice.phone} if practice.phone else "",
        practice.email,
    ]
    rest = _lines([line.strip() for line in lines if line.strip()])
    name = f"<b>{escape(practice.name)}</b>"
    return f"{name}<br/>{rest}" if rest else name


def _lines(lines: list[str] | tuple[str, ...]) -> str:
    """Lines of plain text as one paragraph's markup."""
    return "<br/>".join(escape(line) for line in lines)
