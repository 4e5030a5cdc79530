"""Test overrides only: fast and hermetic."""

from converge_site.settings.base import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# Unit tests run tasks inline; the worker tests start real worker processes and brokers.
CELERY_TASK_ALWAYS_EAGER = True
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_BROKER_URL = "memory://"
CELERY_BROKER_TRANSPORT = None

# pip-audit never reaches the network in tests: its OSV service is a closed local port unless a
# test serves one (the unavailable path runs for real).
CONVERGE_SECURITY_PIP_AUDIT_SERVICE = "osv"
CONVERGE_SECURITY_OSV_URL = "http://127.0.0.1:9/v1/query"
