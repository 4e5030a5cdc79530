"""The Django choices are the core's enumerations: same names, values and order, and the labels
Django derives from the names (the migrations store them)."""

import pytest

from converge_core import reviews
from converge_core.intake import IntakeMode
from converge_core.origins import OriginType
from converge_core.risk import RiskLevel
from converge_core.states import Status
from intake.choices import StoredIntakeMode
from intents import choices as intent_choices
from reviews import choices as review_choices


@pytest.mark.parametrize(
    ("django_choices", "core_enum"),
    [
        (intent_choices.IntentStatus, Status),
        (intent_choices.RiskLevel, RiskLevel),
        (intent_choices.OriginType, OriginType),
        (review_choices.ReviewStatus, reviews.ReviewStatus),
        (review_choices.ReviewTrigger, reviews.ReviewTrigger),
        (review_choices.ReviewResolution, reviews.ReviewResolution),
        (StoredIntakeMode, IntakeMode),
    ],
)
def test_choices_follow_the_core_enumeration(django_choices, core_enum):
    assert [(m.name, m.value) for m in django_choices] == [(m.name, m.value) for m in core_enum]
    assert django_choices.labels == [m.name.replace("_", " ").title() for m in core_enum]
    assert django_choices.__module__.endswith(".choices")


def test_labels_stay_those_the_migrations_recorded():
    assert review_choices.ReviewStatus.choices[2] == ("in_review", "In Review")
    assert intent_choices.IntentStatus.choices[0] == ("READY", "Ready")
    assert intent_choices.OriginType.API.label == "Api"
