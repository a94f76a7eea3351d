import os
import signal
import subprocess
import sys
import time

from django.conf import settings
from django.core.management import BaseCommand


class Command(BaseCommand):
    help = "Run the web server (gunicorn) and the background worker (Huey) together."

    def add_arguments(self, parser):
        parser.add_argument("--bind", default="127.0.0.1:8000")
        parser.add_argument("--web-workers", type=int, default=2)
        parser.add_argument("--task-workers", type=int, default=2)

    def handle(self, *args, bind, web_workers, task_workers, **options):
        python = sys.executable
        children = [
            subprocess.Popen(
                [
                    python,
                    "-m",
                    "gunicorn",
                    "opsdesk.wsgi",
                    "--bind",
                    bind,
                    "--workers",
                    str(web_workers),
                    "--access-logfile",
                    "-",
                ]
            ),
            subprocess.Popen(
                [
                    python,
                    "-m",
                    "django",
                    "run_huey",
                    "--workers",
                    str(task_workers),
                    "--worker-type",
                    "thread",
                ],
                env={**os.environ, "DJANGO_SETTINGS_MODULE": settings.SETTINGS_MODULE},
            ),
        ]
        self.stdout.write(self.style.SUCCESS(f"OpsDesk runs on http://{bind}/ (Ctrl+C stops it)"))

        def stop(*_args):
            for child in children:
                if child.poll() is None:
                    child.terminate()

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        try:
            while all(child.poll() is None for child in children):
                time.sleep(0.5)
        finally:
            stop()
            for child in children:
                child.wait(timeout=20)
        failed = [child.returncode for child in children if child.returncode not in (0, -15, None)]
        if failed:
            raise SystemExit(failed[0])
