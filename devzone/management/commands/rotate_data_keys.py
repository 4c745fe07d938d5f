from django.apps import apps
from django.core.management.base import BaseCommand
from django.db import transaction

from devzone import sealing
from devzone.models import PersonKey
from devzone.sealed_rows import CHUNK, is_history, reseal_model, sealed_models


class Command(BaseCommand):
    help = (
        "按当前数据密钥（DEVZONE_DATA_KEYS 的第一个）重新加密所有身份证号和电话，"
        "并按当前检索密钥重算摘要：业务表和修改历史表，分批进行，可中断后重跑。"
        "修改历史表只允许追加，须以表的所有者角色运行（与 migrate 相同）。"
    )

    def add_arguments(self, parser):
        parser.add_argument("--chunk", type=int, default=CHUNK)

    def handle(self, *args, **options):
        sealing.reset()
        current = sealing.current_key_id()
        for model in sealed_models(apps.get_models):
            history = is_history(model)
            done = reseal_model(
                model,
                chunk=options["chunk"],
                lift_triggers=history,
                restore_triggers=history,
            )
            self.stdout.write(
                f"{done.table}：读 {done.rows} 行，改写 {done.written} 行。"
            )
        written = 0
        for record in PersonKey.objects.iterator(chunk_size=options["chunk"]):
            number = sealing.unseal(record.id_number)
            sealed = (
                record.id_number
                if sealing.key_id_of(record.id_number) == current
                else sealing.seal(number)
            )
            digest = sealing.digest(number)
            if (sealed, digest) != (record.id_number, record.id_number_digest):
                with transaction.atomic():
                    PersonKey.objects.filter(pk=record.pk).update(
                        id_number=sealed, id_number_digest=digest
                    )
                written += 1
        self.stdout.write(f"{PersonKey._meta.db_table}：改写 {written} 行。")
        self.stdout.write(f"全部个人信息已在数据密钥 {current} 下。")
