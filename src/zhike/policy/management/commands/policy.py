"""``zhike policy check FILE`` and ``zhike policy presets`` (POL-1, POL-2)."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from zhike.policy.loader import PolicyError, load_policy, preset_names


class Command(BaseCommand):
    help = "检查管理制度文件,或列出预设 / check a policy file, or list the presets"

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        check = actions.add_parser("check", help="校验一个管理制度文件(TOML)或预设名")
        check.add_argument("source", help="文件路径或预设名,如 manufacturer")
        actions.add_parser("presets", help="列出内置预设")

    def handle(self, *args: Any, action: str, **options: Any) -> None:
        if action == "presets":
            for name in preset_names():
                policy = load_policy(name)
                self.stdout.write(f"{name:18} {policy.policy.version:22} {policy.policy.name}")
            return
        try:
            policy = load_policy(options["source"])
        except PolicyError as exc:
            self.stderr.write(f"✗ {exc.source}: 发现 {len(exc.problems)} 处问题")
            for problem in exc.problems:
                self.stderr.write(f"  - {problem}")
            raise CommandError("管理制度文件无效 / invalid policy") from None
        grading = policy.grading
        parts = [
            f"评分表 {len(grading.score.indicators)} 项指标" if grading.score else "",
            f"{grading.tier.name} {len(grading.tier.levels)} 级" if grading.tier else "",
            f"审批流程 {len(policy.approvals)} 种",
        ]
        summary = ",".join(p for p in parts if p)
        self.stdout.write(
            self.style.SUCCESS(
                f"✓ {policy.policy.name}(版本 {policy.policy.version},"
                f"{policy.policy.effective_date} 生效):{summary}"
            )
        )
