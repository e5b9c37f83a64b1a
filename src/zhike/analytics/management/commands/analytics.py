"""``zhike analytics rebuild`` and ``zhike analytics refresh`` (issue 17 item 8)."""

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from zhike.analytics import rollup
from zhike.analytics.rebuild import rebuild


class Command(BaseCommand):
    help = "重建或刷新统计汇总表 / rebuild or refresh the analytics rollups"

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        actions.add_parser("rebuild", help="由台账重新计算全部汇总(可随时运行)")
        actions.add_parser("refresh", help="把新的台账变动计入汇总(定时任务每几分钟运行一次)")

    def handle(self, *args: Any, action: str, **options: Any) -> None:
        start = time.perf_counter()
        if action == "rebuild":
            rebuild(now=timezone.now())
            rollup.vacuum()
            self.stdout.write(
                self.style.SUCCESS(f"✓ 汇总已重建,用时 {time.perf_counter() - start:.1f} 秒")
            )
            return
        done = rollup.refresh(now=timezone.now())
        self.stdout.write(
            self.style.SUCCESS(
                f"✓ 计入 {done.deltas} 条台账变动,更新 {done.customers} 个客户的归类,"
                f"用时 {time.perf_counter() - start:.1f} 秒"
            )
        )
