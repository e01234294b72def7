"""The controlled lists the form, the directory and matching share."""

from enum import StrEnum


class Area(StrEnum):
    """Specialisms of an SLE, and the areas of need a school may ask about."""

    LEADERSHIP_OF_CPD = "leadership_of_cpd"
    CURRICULUM = "curriculum"
    ASSESSMENT = "assessment"
    SCHOOL_BUSINESS_MANAGEMENT = "school_business_management"
    ENGLISH = "english"
    MATHEMATICS = "mathematics"
    SCIENCE = "science"
    OTHER_SUBJECTS = "other_subjects"
    EARLY_YEARS = "early_years"
    PHONICS = "phonics"
    SEND = "send"
    DISADVANTAGE_GAP = "disadvantage_gap"
    MOST_ABLE = "most_able"
    ITT_AND_EARLY_CAREER = "itt_and_early_career"
    BEHAVIOUR = "behaviour"
    ATTENDANCE = "attendance"

    @property
    def label(self) -> str:
        return AREA_LABELS[self]


AREA_LABELS: dict[Area, str] = {
    Area.LEADERSHIP_OF_CPD: "Leadership of CPD",
    Area.CURRICULUM: "Curriculum",
    Area.ASSESSMENT: "Assessment",
    Area.SCHOOL_BUSINESS_MANAGEMENT: "School business management",
    Area.ENGLISH: "English",
    Area.MATHEMATICS: "Mathematics",
    Area.SCIENCE: "Science",
    Area.OTHER_SUBJECTS: "Other subjects",
    Area.EARLY_YEARS: "Early years",
    Area.PHONICS: "Phonics",
    Area.SEND: "Special educational needs and disabilities (SEND)",
    Area.DISADVANTAGE_GAP: "Closing the disadvantage gap",
    Area.MOST_ABLE: "Most able",
    Area.ITT_AND_EARLY_CAREER: "ITT and early career development",
    Area.BEHAVIOUR: "Behaviour",
    Area.ATTENDANCE: "Attendance",
}


class Phase(StrEnum):
    EARLY_YEARS = "early_years"
    PRIMARY = "primary"
    SECONDARY = "secondary"
    SPECIAL = "special"
    ALL_THROUGH = "all_through"
    POST_16 = "post_16"

    @property
    def label(self) -> str:
        return PHASE_LABELS[self]


PHASE_LABELS: dict[Phase, str] = {
    Phase.EARLY_YEARS: "Early years",
    Phase.PRIMARY: "Primary",
    Phase.SECONDARY: "Secondary",
    Phase.SPECIAL: "Special",
    Phase.ALL_THROUGH: "All-through",
    Phase.POST_16: "Post-16",
}


class FundingSource(StrEnum):
    OWN_BUDGET = "own_budget"
    LOCAL_AUTHORITY = "local_authority"
    OTHER = "other"

    @property
    def label(self) -> str:
        return {
            FundingSource.OWN_BUDGET: "The school's own budget",
            FundingSource.LOCAL_AUTHORITY: "The local authority",
            FundingSource.OTHER: "Other",
        }[self]


class SleStatus(StrEnum):
    ACTIVE = "active"
    PAUSED = "paused"
    INACTIVE = "inactive"


def is_half_day_step(days: float) -> bool:
    """At least half a day, in half-day steps."""
    return days >= 0.5 and (days * 2) == int(days * 2)
