"""Factories for the security domain: stored scans and findings (no scanner run, no event)."""

from __future__ import annotations

import factory
from django.utils import timezone

from intents.tests.factories import IntentFactory
from security.models import SecurityFinding, SecurityScan


class SecurityScanFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SecurityScan

    id = factory.Sequence(lambda n: f"{n:012x}")
    intent = factory.SubFactory(IntentFactory)
    repository = factory.LazyAttribute(lambda scan: scan.intent.repository)
    tenant_id = factory.LazyAttribute(lambda scan: scan.intent.tenant_id)
    scope = factory.LazyAttribute(lambda scan: f"intent:{scan.intent.id}")
    trigger = "operator"
    actor = "tester"
    status = "completed"
    completed_at = factory.LazyFunction(timezone.now)


class SecurityFindingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SecurityFinding

    id = factory.Sequence(lambda n: f"f{n:011x}")
    scan = factory.SubFactory(SecurityScanFactory)
    intent = factory.LazyAttribute(lambda finding: finding.scan.intent)
    repository = factory.LazyAttribute(lambda finding: finding.scan.repository)
    tenant_id = factory.LazyAttribute(lambda finding: finding.scan.tenant_id)
    scope = factory.LazyAttribute(lambda finding: finding.scan.scope)
    fingerprint = factory.Sequence(lambda n: f"{n:032x}")
    scanner = "bandit"
    category = "sast"
    severity = "high"
    rule = "B602"
    file = "app.py"
    line = 3
    message = "subprocess call with shell=True identified, security issue."
