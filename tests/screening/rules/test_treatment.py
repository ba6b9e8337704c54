"""Untreated LDL-C estimates (Law 2003 factors), always flagged."""

from decimal import Decimal

from screening.rules import LipidLoweringTreatment
from screening.rules.treatment import estimate_untreated_ldl

D = Decimal


def test_statin_factor():
    estimate = estimate_untreated_ldl(
        D("2.6"), LipidLoweringTreatment("Rosuvastatin", D("20"))
    )
    assert estimate is not None
    assert estimate.untreated == D("5")
    assert estimate.reduction_percent == D("48")
    assert not estimate.uncertain


def test_ezetimibe_is_marked_uncertain():
    estimate = estimate_untreated_ldl(
        D("2.0"), LipidLoweringTreatment("simvastatin", D("40"), with_ezetimibe=True)
    )
    assert estimate is not None
    assert estimate.uncertain
    assert estimate.untreated == D("2.0") / (D("0.63") * D("0.8"))


def test_unknown_dose_gives_no_estimate():
    assert (
        estimate_untreated_ldl(D("3"), LipidLoweringTreatment("atorvastatin", D("30")))
        is None
    )
    assert (
        estimate_untreated_ldl(
            D("3"), LipidLoweringTreatment("bempedoic acid", D("180"))
        )
        is None
    )
