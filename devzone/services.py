"""Writes of the zone's shared records, each in one place."""

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import DO_NOTHING, Model, ProtectedError, RestrictedError
from django.utils import timezone
from django.utils.translation import gettext as _

from devzone.audit import tracked_fields
from devzone.models import ExportLog, ImportBatch
from devzone.scope import Scope
from devzone.spreadsheets.uploads import Upload

if TYPE_CHECKING:
    from django.contrib.auth.models import User


def export_log_create(
    *,
    user: "User",
    model: type[Model],
    filters: str,
    row_count: int,
    file_format: str,
    personal_data: bool = False,
    dataset: str | None = None,
    columns: str = "",
) -> ExportLog:
    """Record one download of records: which columns, how many rows, unmasked or not."""
    return ExportLog.objects.create(
        user=user,
        dataset=dataset or str(model._meta.verbose_name),
        model=model._meta.label_lower,
        filters=filters,
        row_count=row_count,
        file_format=file_format,
        personal_data=personal_data,
        columns=columns,
    )


def import_batch_start(
    *, user: "User", model: type[Model], upload: Upload
) -> ImportBatch:
    """Open the batch a confirmed import writes under (its counts come at the end)."""
    return ImportBatch.objects.create(
        user=user,
        dataset=str(model._meta.verbose_name),
        model=model._meta.label_lower,
        file_name=upload.original_name[:255],
        file_hash=upload.sha256,
        encoding=upload.encoding,
    )


def import_batch_finish(*, batch: ImportBatch, counts: dict[str, int]) -> ImportBatch:
    """Record what a confirmed import changed."""
    batch.new_count = counts["new"]
    batch.update_count = counts["update"]
    batch.skip_count = counts["skip"]
    batch.save(update_fields=["new_count", "update_count", "skip_count"])
    return batch


UNDO_CONFLICTS_SHOWN = 20


@dataclass
class UndoConflict:
    """A record that keeps a batch from being undone: why, and the record if any."""

    label: str
    reason: str
    record: Any = None  # None: deleted since


@dataclass
class UndoPlan:
    """What undoing a batch would do: records to restore and to remove, or why not."""

    batch: ImportBatch
    restore: list = field(default_factory=list)  # [(record, its earlier history row)]
    remove: list = field(default_factory=list)  # [record]
    conflicts: list = field(default_factory=list)  # [UndoConflict]

    def refusal(self) -> ValidationError:
        """Return the refusal listing the conflicts (the first UNDO_CONFLICTS_SHOWN)."""
        shown = [conflict.reason for conflict in self.conflicts[:UNDO_CONFLICTS_SHOWN]]
        if len(self.conflicts) > len(shown):
            shown.append(_("……共 %(count)d 条冲突") % {"count": len(self.conflicts)})
        return ValidationError(
            [_("无法撤销导入批次 #%(pk)s，没有做任何改动：") % {"pk": self.batch.pk}]
            + shown
        )


def import_batch_plan(*, batch: ImportBatch, user: "User") -> UndoPlan:
    """Return what undoing ``batch`` would restore and remove, and what blocks it.

    A record blocks it when it was changed or deleted since, its earlier content
    was never recorded, or it lies outside the user's communities.
    """
    plan = UndoPlan(batch=batch)
    model = batch.record_model()
    history = model.history.model
    written = list(history.objects.filter(import_batch=batch).order_by("history_id"))
    by_record = defaultdict(list)
    for entry in history.objects.filter(
        id__in={entry.id for entry in written}
    ).order_by("history_date", "history_id"):
        by_record[entry.id].append(entry)
    current = model._default_manager.in_bulk(list(by_record))
    scope = Scope.of(user)
    for entry in written:
        record = current.get(entry.id)
        label = str(entry.instance)
        if by_record[entry.id][-1].history_id != entry.history_id or record is None:
            reason = _("“%(record)s”在导入后已被修改或删除") % {"record": label}
            plan.conflicts.append(UndoConflict(label, reason, record))
        elif entry.history_type == "~" and len(by_record[entry.id]) < 2:
            reason = _("“%(record)s”导入前的内容没有留下记录，无法恢复") % {
                "record": label
            }
            plan.conflicts.append(UndoConflict(label, reason, record))
        elif not scope.allows(record):
            # Named to no one: the record lies outside the user's communities.
            plan.conflicts.append(UndoConflict("", scope.refusal()))
        elif entry.history_type == "+":
            plan.remove.append(record)
        elif entry.history_type == "~":
            plan.restore.append((record, by_record[entry.id][-2]))
    plan.conflicts.extend(_references_to(plan.remove, scope))
    return plan


def _references_to(records: list, scope: Scope) -> list[UndoConflict]:
    """Return the records that point to ``records`` from outside them, as blockers.

    Removing a created record would refuse (PROTECT), or quietly delete, empty or
    unlink (CASCADE, SET_NULL, a many-to-many) a record saved after the import: each
    such record blocks the undo by name. Change-trail rows (DO_NOTHING) are no
    reference.
    """
    if not records:
        return []
    model = type(records[0])
    removed = {record.pk: record for record in records}
    conflicts = []
    for relation in model._meta.related_objects:
        if relation.on_delete is DO_NOTHING:
            continue
        referencing = relation.related_model._base_manager.filter(
            **{f"{relation.field.name}__in": removed}
        ).distinct()
        if relation.related_model is model:
            referencing = referencing.exclude(pk__in=removed)
        kind = relation.related_model._meta.verbose_name
        for other in referencing.order_by("pk"):
            if not scope.allows(other):
                # Outside the user's communities: its kind is told, never its name.
                reason = _(
                    "另有一条%(kind)s引用了导入新增的记录，它不在您负责的村/社区内，"
                    "请联系负责的同事"
                ) % {"kind": kind}
                conflicts.append(UndoConflict("", reason))
                continue
            if relation.many_to_many:
                pks = getattr(other, relation.field.name).values_list("pk", flat=True)
            else:
                pks = [getattr(other, relation.field.attname)]
            reason = _("%(kind)s“%(other)s”引用了导入新增的“%(record)s”") % {
                "kind": kind,
                "other": other,
                "record": "、".join(str(removed[pk]) for pk in pks if pk in removed),
            }
            conflicts.append(UndoConflict(str(other), reason, other))
    return conflicts


@transaction.atomic
def import_batch_undo(*, batch: ImportBatch, user: "User") -> dict[str, int]:
    """Undo a confirmed import: restore what it changed, remove what it created.

    Refused whole (ValidationError listing the conflicts) when a record it wrote
    was changed or deleted since, lies outside the user's communities, or cannot be
    removed because other records now point to it.
    """
    batch = ImportBatch.objects.select_for_update().get(pk=batch.pk)
    if batch.status == ImportBatch.Status.UNDONE:
        raise ValidationError(_("这个导入批次已经撤销过了。"))
    plan = import_batch_plan(batch=batch, user=user)
    if plan.conflicts:
        raise plan.refusal()
    fields = tracked_fields(batch.record_model())
    reason = f"撤销导入批次 #{batch.pk}"
    record = None
    try:
        for record in plan.remove:
            record._history_user = user
            record._change_reason = reason
            record.delete()
        for record, before in plan.restore:
            record._history_user = user
            record._change_reason = reason
            for each in fields:
                setattr(record, each.attname, getattr(before, each.attname))
            record.save()
    except (ProtectedError, RestrictedError) as exc:
        raise ValidationError(
            _(
                "无法撤销：导入新增的记录“%(record)s”已被其他记录引用，请先处理这些记录。"
            )
            % {"record": record}
        ) from exc
    except IntegrityError as exc:
        raise ValidationError(
            _("无法撤销：恢复后的数据与现有记录冲突（%(error)s），没有做任何改动。")
            % {"error": exc}
        ) from exc
    batch.status = ImportBatch.Status.UNDONE
    batch.undone_at = timezone.now()
    batch.undone_by = user
    batch.save(update_fields=["status", "undone_at", "undone_by"])
    return {"restored": len(plan.restore), "removed": len(plan.remove)}


def records_change_all_or_none(
    records: Iterable[Any],
    *,
    change: Callable[[Any], str | None],
    fields: list[str],
) -> int:
    """Change every record and save them all, or none if any cannot change.

    ``change(record)`` sets the record's new values, or returns why it cannot
    change. Each changed record is validated (``full_clean``) before anything is
    saved; the refusal lists every problem. Return how many records were saved.
    """
    problems, changed = [], []
    for record in records:
        problem = change(record)
        if problem is None:
            try:
                record.full_clean()
            except ValidationError as error:
                problem = f"{record}：{'；'.join(error.messages)}"
        if problem is None:
            changed.append(record)
        else:
            problems.append(problem)
    if problems:
        raise ValidationError(
            _("未作任何修改：%(problems)s。") % {"problems": "；".join(problems)}
        )
    for record in changed:
        record.save(update_fields=[*fields, "updated_at"])
    return len(changed)
