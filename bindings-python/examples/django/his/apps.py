"""The example HIS's one Django application."""

from django.apps import AppConfig


class HisConfig(AppConfig):
    """Holds the views and the ``sync_roster`` and ``drain_outbox`` commands."""

    name = "his"
