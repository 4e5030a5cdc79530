"""Converge's Django project.

The Celery app (``converge_site.celery``) is loaded by the processes that send or run tasks
(``interfaces.taskpolicy``, the worker and beat commands), not by every command.
"""
