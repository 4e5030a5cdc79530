"""Default settings module (``DJANGO_SETTINGS_MODULE=converge_site.settings``)."""

from converge_site.settings.base import *  # noqa: F403
