"""Factories for the intents domain."""

from __future__ import annotations

import factory
from django.utils import timezone

from intents.models import Intent, Repository


class RepositoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Repository
        django_get_or_create = ("path",)

    name = factory.Sequence(lambda n: f"repo-{n}")
    path = factory.Sequence(lambda n: f"/srv/repos/repo-{n}")
    default_branch = "main"


class IntentFactory(factory.django.DjangoModelFactory):
    """A stored intent row (no event): for selectors and admin views."""

    class Meta:
        model = Intent

    id = factory.Sequence(lambda n: f"intent-{n:04d}")
    repository = factory.SubFactory(RepositoryFactory)
    source = factory.Sequence(lambda n: f"feature/{n}")
    target = "main"
    created_at = factory.LazyFunction(timezone.now)


def create_intent(repository: Repository, intent_id: str, **fields: object) -> Intent:
    """Create an intent through the service, as every real path does (with its event)."""
    from intents.services import intent_create

    data = {"id": intent_id, "source": f"feature/{intent_id.replace(':', '-')}", **fields}
    return intent_create(data=data, repository=repository, actor="tester")
