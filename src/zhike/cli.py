"""The ``zhike`` command: Django's management commands with zhike's defaults.

zhike demo [--port N]     demo company on SQLite, served on 127.0.0.1
zhike serve               production server (gunicorn) + embedded jobs if no broker
zhike worker              a Celery worker with beat, for CELERY_BROKER_URL deployments
zhike <django command>    migrate, createsuperuser, check --deploy, …
"""

import os
import sys
from pathlib import Path


def main() -> None:
    command = sys.argv[1] if len(sys.argv) > 1 else ""
    profile = "production" if command in ("serve", "worker") else "dev"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", f"zhike.settings.{profile}")
    if command == "demo" and not os.environ.get("DATABASE_URL"):
        var_dir = Path(os.environ.get("ZHIKE_VAR_DIR", Path.cwd() / "var"))
        os.environ.setdefault("ZHIKE_SQLITE_PATH", str(var_dir / "demo.sqlite3"))
    from django.core.management import execute_from_command_line

    execute_from_command_line(["zhike", *sys.argv[1:]])


if __name__ == "__main__":
    main()
