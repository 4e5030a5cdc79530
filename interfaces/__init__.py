"""The shared bases of Converge's interfaces, below every app (layers.toml, layer ``kit``).

What every app's commands, API views, tasks and doctor checks build on, with no app of its
own to depend on: the command base (:mod:`interfaces.commands`), the API error shape
(:mod:`interfaces.exceptions`), the retry policy of tasks (:mod:`interfaces.taskpolicy`), the
worker's shared state (:mod:`interfaces.workerstate`), tracing spans and metrics counters, the
result of a doctor check, and making sure the database is ready. The API view base needs the
caller's principal, so it lives in :mod:`access.apibase`; the site (``converge_site``) wires
all of these into settings, URLs, the Celery app and the servers.
"""
