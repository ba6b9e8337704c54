"""The code systems and codes the registry speaks in FHIR (DOMAIN §4).

Pure: no Django. LOINC codes come in pairs per analyte, mass (mg/dL) and molar
(mmol/L) as DOMAIN §4 tables them; an Observation carries the code whose
property matches its unit.
"""

from __future__ import annotations

from dataclasses import dataclass

FHIR_VERSION = "4.0.1"
LOINC = "http://loinc.org"
UCUM = "http://unitsofmeasure.org"
SNOMED = "http://snomed.info/sct"
ICD10_GM = "http://fhir.de/CodeSystem/bfarm/icd-10-gm"
HGNC = "http://www.genenames.org/geneid"
HGVS = "http://varnomen.hgvs.org"
V2_0916_FASTING = "http://terminology.hl7.org/CodeSystem/v2-0916"
V3_ROLE_CODE = "http://terminology.hl7.org/CodeSystem/v3-RoleCode"
OBSERVATION_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
CONDITION_CLINICAL = "http://terminology.hl7.org/CodeSystem/condition-clinical"
CONDITION_VERIFICATION = "http://terminology.hl7.org/CodeSystem/condition-ver-status"
CONDITION_CATEGORY = "http://terminology.hl7.org/CodeSystem/condition-category"
IDENTIFIER_TYPE = "http://terminology.hl7.org/CodeSystem/v2-0203"
GENOMICS_VARIANT_PROFILE = (
    "http://hl7.org/fhir/uv/genomics-reporting/StructureDefinition/variant"
)
PATIENT_RECORD_EXTENSION = (
    "http://hl7.org/fhir/StructureDefinition/familymemberhistory-patient-record"
)

# The registry's own codes (rule sets, outcomes, criteria, alerts, findings).
REGISTRY = "urn:fh-registry"
RULESET_SYSTEM = f"{REGISTRY}:ruleset"
OUTCOME_SYSTEM = f"{REGISTRY}:assessment-outcome"
CRITERION_EXTENSION = f"{REGISTRY}:extension:criterion"
ALERT_EXTENSION = f"{REGISTRY}:extension:alert"
FAMILY_FINDING_SYSTEM = f"{REGISTRY}:family-history-finding"
PATIENT_NUMBER_SYSTEM = f"{REGISTRY}:practice-patient-number"

FH_SNOMED = "398036000"
FH_ICD10_GM = "E78.0"

MG_DL = "mg/dL"
MMOL_L = "mmol/L"
NMOL_L = "nmol/L"


@dataclass(frozen=True, slots=True)
class Analyte:
    """One lipid value of a sample: the LabResult field and its LOINC pair."""

    field: str  # the LabResult's entered field ("" for Lp(a): its own unit)
    mass_code: str
    molar_code: str
    display: str


TOTAL_CHOLESTEROL = Analyte(
    "total_cholesterol", "2093-3", "14647-2", "Cholesterol [Mass or Moles/volume]"
)
HDL_CHOLESTEROL = Analyte(
    "hdl_cholesterol", "2085-9", "14646-4", "Cholesterol in HDL [Mass or Moles/volume]"
)
LDL_DIRECT = Analyte(
    "ldl_cholesterol", "18262-6", "69419-0", "Cholesterol in LDL, direct assay"
)
LDL_CALCULATED = Analyte(
    "ldl_cholesterol", "13457-7", "39469-2", "Cholesterol in LDL, calculated"
)
LDL_UNSTATED = Analyte(
    "ldl_cholesterol", "2089-1", "22748-8", "Cholesterol in LDL [Mass or Moles/volume]"
)
TRIGLYCERIDES = Analyte(
    "triglycerides", "2571-8", "14927-8", "Triglyceride [Mass or Moles/volume]"
)
NON_HDL_CHOLESTEROL = Analyte(
    "non_hdl_cholesterol", "43396-1", "70204-3", "Cholesterol non HDL"
)
LIPOPROTEIN_A = Analyte(
    "lipoprotein_a", "10835-7", "43583-4", "Lipoprotein a [Mass or Moles/volume]"
)

#: LDL-C by the registry's method name.
LDL_BY_METHOD = {
    "direct": LDL_DIRECT,
    "calculated": LDL_CALCULATED,
    "unknown": LDL_UNSTATED,
}
LDL_METHOD_BY_ANALYTE = {analyte: method for method, analyte in LDL_BY_METHOD.items()}
ANALYTES = (
    TOTAL_CHOLESTEROL,
    HDL_CHOLESTEROL,
    LDL_DIRECT,
    LDL_CALCULATED,
    LDL_UNSTATED,
    TRIGLYCERIDES,
    NON_HDL_CHOLESTEROL,
    LIPOPROTEIN_A,
)
#: Every lipid LOINC code the registry accepts, mass and molar alike.
ANALYTE_BY_LOINC = {
    code: analyte
    for analyte in ANALYTES
    for code in (analyte.mass_code, analyte.molar_code)
}

# Specimen types: SNOMED CT, and HL7 v2 table 0487 as lab systems send it.
VENOUS_BLOOD_SNOMED = "122555007"
CAPILLARY_BLOOD_SNOMED = "122554006"
SAMPLE_TYPE_SNOMED = {
    "venous": VENOUS_BLOOD_SNOMED,
    "capillary": CAPILLARY_BLOOD_SNOMED,
}
SAMPLE_TYPE_BY_CODE = {
    VENOUS_BLOOD_SNOMED: "venous",
    CAPILLARY_BLOOD_SNOMED: "capillary",
    "BLDV": "venous",
    "BLDC": "capillary",
}
SAMPLE_TYPE_DISPLAY = {
    "venous": "Venous blood specimen",
    "capillary": "Capillary blood specimen",
}
# HL7 v2 table 0916: F fasting, NF not fasting, NG not given.
FASTING_CODE = {True: "F", False: "NF"}
FASTING_BY_CODE = {"F": True, "NF": False, "NG": None}

# HL7 genomics reporting: the variant Observation and its components.
GENETIC_VARIANT_ASSESSMENT = "69548-6"
VARIANT_PRESENT = "LA9633-4"
VARIANT_ABSENT = "LA9634-2"
GENE_STUDIED = "48018-6"
DNA_CHANGE_HGVS = "48004-6"
AMINO_ACID_CHANGE_HGVS = "48005-3"
TRANSCRIPT_REFERENCE = "51958-7"
CLINICAL_SIGNIFICANCE = "53037-8"
#: ACMG/AMP classes (Richards 2015) as LOINC answers of 53037-8.
ACMG_LOINC = {
    "pathogenic": ("LA6668-3", "Pathogenic"),
    "likely_pathogenic": ("LA26332-9", "Likely pathogenic"),
    "vus": ("LA26333-7", "Uncertain significance"),
    "likely_benign": ("LA26334-5", "Likely benign"),
    "benign": ("LA6675-8", "Benign"),
}
ACMG_BY_LOINC = {code: acmg for acmg, (code, _display) in ACMG_LOINC.items()}
#: The FH genes' HGNC ids; other genes travel by symbol alone.
HGNC_IDS = {
    "LDLR": "HGNC:6547",
    "APOB": "HGNC:603",
    "PCSK9": "HGNC:20001",
    "APOE": "HGNC:613",
    "LDLRAP1": "HGNC:18640",
}
GENE_BY_HGNC = {hgnc: gene for gene, hgnc in HGNC_IDS.items()}

# Relationships of registered relatives (HL7 v3 RoleCode).
RELATIONSHIP_DISPLAY = {
    "MTH": "mother",
    "FTH": "father",
    "SIB": "sibling",
    "HSIB": "half-sibling",
    "CHILD": "child",
    "PRN": "parent",
    "FAMMEMB": "family member",
}
#: Structured family-history findings: relationship, and the SNOMED CT
#: condition where one matches exactly ("" where the registry's code stands alone).
FAMILY_FINDINGS = {
    "parent_premature_chd": ("PRN", "53741008", "Coronary arteriosclerosis"),
    "relative_premature_chd": ("FAMMEMB", "53741008", "Coronary arteriosclerosis"),
    "parent_high_cholesterol": ("PRN", "13644009", "Hypercholesterolemia"),
    "parent_genetic_fh": ("PRN", FH_SNOMED, "Familial hypercholesterolemia"),
    "relative_tendon_xanthoma": ("FAMMEMB", "", "Tendon xanthoma"),
}
