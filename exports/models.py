"""The decision dataset as the admin console lists it: intents, through a proxy (no table)."""

from __future__ import annotations

from intents.models import Intent


class DecisionRecord(Intent):
    class Meta:
        proxy = True
        verbose_name = "decision record"
        verbose_name_plural = "decision export"
        permissions = [("export_decisions", "Can export the decision dataset")]
