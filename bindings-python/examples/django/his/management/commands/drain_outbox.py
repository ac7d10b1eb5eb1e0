"""``manage.py drain_outbox``: delivers the outbox to the platform until stopped."""

import logging
import signal
import threading
from typing import Any

from django.core.management.base import BaseCommand

import glorycard

from his.services import client, outbox


class Command(BaseCommand):
    help = "Delivers the outbox to the platform every 2 s until SIGTERM or Ctrl-C."

    def handle(self, *args: Any, **options: Any) -> None:
        # [readme:django-drain]
        stopping = threading.Event()

        def drain_until_stopped() -> None:
            while not stopping.is_set():
                try:
                    outbox.drain(client)  # delivers what is pending and returns
                except glorycard.GlorycardError:  # the platform or the disk: again in 2 s
                    logging.getLogger("his").exception("outbox drain failed")
                stopping.wait(2)

        def stop(signum: int, frame: object) -> None:
            stopping.set()
            outbox.stop_draining()  # a drain in flight finishes its calls and returns

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        drainer = threading.Thread(target=drain_until_stopped)
        drainer.start()
        drainer.join()
        # [/readme:django-drain]
        self.stdout.write("outbox drain stopped")
