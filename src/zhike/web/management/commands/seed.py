"""``zhike seed --customers N``: fake customers for demos and benchmarks."""

import time
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from zhike.archive.seeding import seed_customers
from zhike.engagement.seeding import follow_ups_for
from zhike.org.models import User
from zhike.policy.loader import active_policy


class Command(BaseCommand):
    help = "Generate N realistic customers spread over the salespeople. 生成测试客户数据。"

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--customers", type=int, required=True)
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument(
            "--interactions", type=float, default=0.5, help="follow-ups per customer on average"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        owners = list(User.objects.filter(roles__code="salesperson", is_active=True).distinct())
        if not owners:
            raise CommandError(
                "没有业务员用户:请先运行 zhike demo --no-serve 或创建用户。"
                " / no salespeople: run `zhike demo --no-serve` first."
            )
        started = time.perf_counter()

        def progress(done: int) -> None:
            rate = done / (time.perf_counter() - started)
            self.stdout.write(f"\r{done:,} / {options['customers']:,}  ({rate:,.0f}/s)", ending="")
            self.stdout.flush()

        made = seed_customers(
            count=options["customers"],
            owners=owners,
            policy=active_policy(),
            now=timezone.now(),
            seed=options["seed"],
            progress=progress,
            each_batch=follow_ups_for(per_customer=options["interactions"], owners=owners),
        )
        elapsed = time.perf_counter() - started
        self.stdout.write(f"\n{made:,} customers in {elapsed:.1f} s ({made / elapsed:,.0f}/s)")
