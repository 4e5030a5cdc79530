from django.apps import AppConfig


class ConvergeSiteConfig(AppConfig):
    name = "converge_site"
    verbose_name = "Converge"

    def ready(self) -> None:
        from converge_site import checks  # noqa: F401  (registers the system checks)
