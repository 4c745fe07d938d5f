from django.core.management.base import BaseCommand

from devzone.desk.reminders import email_configured, reminders_send


class Command(BaseCommand):
    help = (
        "把每位工作人员今天的待办写成站内通知（已配置 EMAIL_HOST 时同时发邮件）。"
        "可重复执行：同一天同一人只有一条通知。"
    )

    def handle(self, *args, **options):
        counts = reminders_send()
        self.stdout.write(
            f"新通知 {counts.created} 条，已有 {counts.existing} 条，"
            f"邮件 {counts.emailed} 封"
            + ("" if email_configured() else "（未配置邮件服务器，只写站内通知）")
        )
