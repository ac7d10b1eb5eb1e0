"""``manage.py sync_roster``: brings the replica up to date with the platform's roster."""

from typing import Any

from django.core.management.base import BaseCommand

from his.services import client, replica


class Command(BaseCommand):
    help = "Brings the roster replica up to date (at deployment, then from cron)."

    def handle(self, *args: Any, **options: Any) -> None:
        # [readme:django-sync]
        progress = replica.sync(client)
        self.stdout.write(f"roster synced: {progress.records} records, checkpoint {progress.checkpoint}")
        # [/readme:django-sync]
