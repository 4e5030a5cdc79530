#!/usr/bin/env python
"""Django's command-line utility; ``converge`` is this plus the global options."""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "converge_site.settings")
    from converge.cli import configuration_error, fail

    problem = configuration_error()
    if problem:
        sys.exit(fail(problem, code="configuration_error"))
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
