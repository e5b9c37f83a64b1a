"""``zhike demo``: migrate, load the demo company once, run the jobs and serve."""

from argparse import ArgumentParser
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand

from zhike.org.models import User
from zhike.policy.loader import active_policy
from zhike.web.demo import DEMO_PASSWORD, DEMO_USERS, load_demo
from zhike.web.jobs import embedded_worker


class Command(BaseCommand):
    help = "Create (once) and serve the demo company on SQLite. 启动演示系统。"

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--customers", type=int, default=2000)
        parser.add_argument("--no-serve", action="store_true", help="only prepare the data")

    def handle(self, *args: Any, **options: Any) -> None:
        call_command("migrate", interactive=False, verbosity=0)
        if not User.objects.filter(username="admin").exists():
            self.stdout.write("正在创建演示公司 / loading the demo company …")
            load_demo(policy=active_policy(), customers=options["customers"])
            active_policy.cache_clear()  # the demo company's own policy version is in force
        self.stdout.write(self.style.SUCCESS("\n知客 zhike 演示 / demo"))
        self.stdout.write(f"  http://{options['host']}:{options['port']}/")
        self.stdout.write(f"  密码 password: {DEMO_PASSWORD}")
        names = ", ".join(["admin", *(u for u, *_ in DEMO_USERS)])
        self.stdout.write(f"  用户 users: {names}\n")
        if options["no_serve"]:
            return
        with embedded_worker(self.stdout):
            call_command("runserver", f"{options['host']}:{options['port']}", use_reloader=False)
