"""The result of one ``converge doctor`` check; apps add checks through ``CONVERGE_DOCTOR_CHECKS``
and ``converge_site.doctor`` runs them."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Check:
    check: str
    status: str  # pass | warn | fail
    detail: str
    hint: str = ""

    def as_dict(self) -> dict[str, str]:
        data = {"check": self.check, "status": self.status, "detail": self.detail}
        if self.hint:
            data["hint"] = self.hint
        return data
