"""Converge's Django project; the Celery app is created with it so tasks always bind to it."""

from converge_site.celery import app as celery_app

__all__ = ["celery_app"]
