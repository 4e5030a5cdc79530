"""The doctor's feature-flag line (registered in ``CONVERGE_DOCTOR_CHECKS``)."""

from __future__ import annotations

from flags.selectors import flag_summary
from interfaces.doctor import Check


def check_feature_flags() -> Check:
    """``<enabled>/<total> enabled``, naming the runtime overrides (they outrank everything)."""
    line = flag_summary()
    if line["status"] != "pass":
        return Check(
            line["check"],
            line["status"],
            line["detail"],
            "Fix flags.json or the CONVERGE_FF_* variables",
        )
    overrides = line["runtime_overrides"]
    if not overrides:
        return Check(line["check"], "pass", line["detail"])
    return Check(
        line["check"],
        "pass",
        f"{line['detail']}; runtime overrides: {', '.join(overrides)}",
        "`converge flags clear NAME` hands a flag back to the environment and flags.json",
    )
