"""``converge doctor``: what works and what does not, with hints."""

from __future__ import annotations

from typing import Any

from converge_site.doctor import run_doctor
from interfaces.commands import ConvergeCommand

MARKS = {"pass": "ok  ", "warn": "WARN", "fail": "FAIL"}


class Command(ConvergeCommand):
    help = (
        "Check the environment, database, migrations, git, repository, policy, audit chain, "
        "flags, review pool, LLM advisor, broker and cache."
    )
    requires_database = False  # the doctor reports a broken database instead of failing on it

    def dispatch(self, options: dict[str, Any]) -> Any:
        result = run_doctor()
        for check in result["checks"]:
            hint = f"  -> {check['hint']}" if check.get("hint") else ""
            self.stderr.write(
                f"{MARKS[check['status']]} {check['check']:<14} {check['detail']}{hint}"
            )
        self.stderr.write(f"overall: {result['overall']}")
        return result

    def exit_code_for(self, result: Any) -> int:
        return 1 if result.get("overall") == "fail" else 0
