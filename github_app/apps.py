from django.apps import AppConfig


class GithubConfig(AppConfig):
    name = "github_app"
    label = "github"
    verbose_name = "GitHub"
