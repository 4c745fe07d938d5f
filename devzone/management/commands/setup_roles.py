from django.contrib.auth.models import Group, Permission
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from devzone.roles import ROLES


def resolve(names):
    """Return {"app_label.codename": Permission} for the names that exist."""
    wanted = {tuple(name.split(".", 1)) for name in names}
    permissions = Permission.objects.filter(
        content_type__app_label__in={app_label for app_label, _ in wanted},
        codename__in={codename for _, codename in wanted},
    ).select_related("content_type")
    return {
        f"{p.content_type.app_label}.{p.codename}": p
        for p in permissions
        if (p.content_type.app_label, p.codename) in wanted
    }


class Command(BaseCommand):
    help = "建立或恢复各角色（用户组）及其权限，与 devzone/roles.py 的声明完全一致。"

    def handle(self, *args, **options):
        declared = set().union(*ROLES.values())
        found = resolve(declared)
        missing = sorted(declared - found.keys())
        if missing:
            raise CommandError(
                "以下权限不存在（是否未执行 migrate？）：" + "，".join(missing)
            )
        try:
            self.set_up(found)
        except ValidationError as error:
            # A role carrying two of the three duties, or a member who would hold
            # two (devzone.accounts.separation): nothing is changed.
            raise CommandError(" ".join(error.messages)) from error
        self.stdout.write(self.style.SUCCESS("角色已与声明一致。"))

    @transaction.atomic
    def set_up(self, found):
        # Every role's withdrawn permissions first, then the added ones: a change
        # of declarations that moves a duty never holds two on the way.
        changes = []
        for name, names in ROLES.items():
            group, created = Group.objects.get_or_create(name=name)
            current = {
                f"{p.content_type.app_label}.{p.codename}"
                for p in group.permissions.select_related("content_type")
            }
            added, removed = sorted(names - current), sorted(current - names)
            group.permissions.remove(
                *group.permissions.exclude(pk__in=[found[n].pk for n in names])
            )
            changes.append((name, group, created, added, removed))
        for name, group, created, added, removed in changes:
            group.permissions.add(*[found[n] for n in added])
            if created:
                self.stdout.write(f"{name}：新建，{len(added)} 项权限")
            elif added or removed:
                self.stdout.write(
                    f"{name}：增加 {'，'.join(added) or '无'}；"
                    f"撤销 {'，'.join(removed) or '无'}"
                )
            else:
                self.stdout.write(f"{name}：未变")
