"""Read models derived from the event log and the tables, one job per module.

- ``debt``: verification debt (operations §1);
- ``health``: repo health and change health with their lessons (risk-policy §8.1, §8.2);
- ``trends``: risk, entropy, health and change-health series (§8.3);
- ``predictions``: health prediction from scheduled snapshots and issue signals (§8.4, §8.5);
- ``compliance``: the compliance report, its alerts and thresholds (§8.6);
- ``metrics``: all-time integration metrics (§8.8);
- ``dashboard``: the above composed for the dashboard and its alert list.

Reads never write: snapshots are recorded by the services in ``insights.services`` (called by the
beat schedule or on an explicit request). Windows are rolling, measured back from *now*, and
every read is scoped to a tenant when one is given (``None`` = all tenants). The formulas are
the pure functions of ``converge_core``; these modules only gather counts with SQL aggregates.
"""
