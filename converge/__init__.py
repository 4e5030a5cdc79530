"""The ``converge`` console script and the runbook's compatibility module."""
