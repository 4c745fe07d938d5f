"""ZoneResource, the base of every Resource: natural keys, scope, versions, masking."""

import dataclasses
from collections import defaultdict
from collections.abc import Callable
from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS, FieldDoesNotExist, ValidationError
from django.db import DatabaseError, models
from django.utils import timezone
from django.utils.encoding import force_str
from django.utils.functional import cached_property
from import_export import resources, widgets
from import_export.instance_loaders import ModelInstanceLoader
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from devzone import personal
from devzone.constraints import check_constraint_errors, unique_conflicts
from devzone.fields import IdNumberField, PhoneField
from devzone.models import PersonalDataAccess
from devzone.scope import Scope
from devzone.spreadsheets.cells import escape_formula
from devzone.spreadsheets.formats import header_key, is_blank, shown
from devzone.spreadsheets.results import (
    PREVIEW_CHARS,
    PREVIEW_ROWS,
    DatabaseRefusal,
    ImportFileError,
    ImportResult,
    ImportRowResult,
    PersonalLookupRefused,
    database_refusal,
    file_row_numbers,
    required_messages,
)
from devzone.spreadsheets.uploads import upload_progress_save
from devzone.spreadsheets.widgets import (
    LOOKUP_CHUNK,
    BooleanWidget,
    ChoiceWidget,
    DateWidget,
    DecimalWidget,
    IdNumberWidget,
    IntegerWidget,
    NaturalKeyManyWidget,
    NaturalKeyWidget,
    PhoneWidget,
    TextWidget,
    clean_text,
)
from devzone.validators import normalize_text


@dataclasses.dataclass
class ImportRun:
    """What one preview or confirmation of an import remembers beside its rows.

    At the preview, ``versions`` records which stored record each row matched (its
    pk and ``updated_at``), or None for a new one. At the confirmation ``expected``
    holds the preview's versions: a row whose record was edited, deleted or added
    in between refuses the whole file. ``batch`` names the confirmed import in the
    history of every record it writes.
    """

    expected: dict | None = None
    versions: dict = dataclasses.field(default_factory=dict)
    batch: object = None
    upload: str | None = None  # the upload a confirmation reads, for its progress
    on_progress: Callable[[int, int], None] | None = None  # e.g. a command's bar

    def progress(self, done, total):
        """Report how many of the file's rows a confirmation has processed."""
        if self.upload is not None:
            upload_progress_save(self.upload, done=done, total=total)
        if self.on_progress is not None:
            self.on_progress(done, total)


PROGRESS_ROWS = 1000  # a confirmation reports its progress every so many rows

STALE_ROW = {
    "changed": "预览后该行对应的记录已被他人修改",
    "deleted": "预览后该行对应的记录已被删除，导入不会重新创建它",
    "added": "预览后已有人新增了该行对应的记录",
}


def version_of(instance):
    """Return a stored record's version: its pk and the time of its last change."""
    return version_from(instance.pk, getattr(instance, "updated_at", None))


def stale_row_error(expected, version):
    """Return the refusal of a row whose record moved since the preview, or None."""
    if expected == version:
        return None
    if expected is None:
        reason = STALE_ROW["added"]
    elif version is None:
        reason = STALE_ROW["deleted"]
    else:
        reason = STALE_ROW["changed"]
    return ValidationError(
        {
            NON_FIELD_ERRORS: [
                f"{reason}。为免覆盖他人的修改，整个文件都没有导入，请重新上传并预览。"
            ]
        }
    )


def version_from(pk, changed):
    """Return the version of the record ``pk`` last changed at ``changed``."""
    return [pk, changed.isoformat() if changed else None]


def verbose_header(django_field):
    return force_str(django_field.verbose_name)


def value_path(field) -> str | None:
    """Return the path of the value a Resource column holds: a related key's too."""
    if not field.attribute:
        return None
    if isinstance(field.widget, NaturalKeyWidget | NaturalKeyManyWidget):
        return f"{field.attribute}__{field.widget.field}"
    return field.attribute


# The instance loader -----------------------------------------------------------------


class NaturalKeyInstanceLoader(ModelInstanceLoader):
    """Find the existing records of a whole file in a few queries, by natural key."""

    def __init__(self, resource, dataset=None):
        super().__init__(resource, dataset)
        self.instances = {}
        keys = [resource.row_key(row) for row in resource.dataset_rows(dataset)]
        # A key with a NUL is refused on its row; PostgreSQL refuses it in a query.
        keys = [
            key
            for key in keys
            if key is not None
            and not any(isinstance(part, str) and "\x00" in part for part in key)
        ]
        if not keys:
            return
        opts = resource._meta.model._meta
        id_fields = [resource.fields[name] for name in resource.get_import_id_fields()]
        attnames = [opts.get_field(f.attribute).attname for f in id_fields]
        related = [
            field.attribute
            for field in resource.fields.values()
            if isinstance(field.widget, NaturalKeyWidget) and field.attribute
        ]
        first_values = list({key[0] for key in keys})
        for start in range(0, len(first_values), LOOKUP_CHUNK):
            chunk = first_values[start : start + LOOKUP_CHUNK]
            queryset = self.get_queryset().filter(**{f"{attnames[0]}__in": chunk})
            # The unchanged-row comparison reads each foreign key: fetch them along.
            queryset = queryset.select_related(*related)
            for instance in queryset:
                key = tuple(getattr(instance, attname) for attname in attnames)
                self.instances[key] = instance

    def get_instance(self, row):
        return self.instances.get(self.resource.row_key(row))


# The Resource base ---------------------------------------------------------------------


class ZoneResource(resources.ModelResource):
    """The base of every Resource: Chinese headers, natural keys, all-or-nothing imports.

    Subclasses declare ``Meta.model``, ``Meta.fields`` and ``Meta.import_id_fields``
    (a natural key, never ``id``). A column that reads a personal field (its own, or
    the key of a related record) is masked on export and in the preview unless the
    resource is built with ``unmasked=True`` (``devzone.personal.may_unmask``).
    """

    class Meta:
        clean_model_instances = True
        skip_unchanged = True
        report_skipped = True
        use_transactions = True
        # The preview shows the file's own cells (``preview_cells``), masked; the
        # library's diff would deep-copy every record and show stored values.
        skip_diff = True
        instance_loader_class = NaturalKeyInstanceLoader
        chunk_size = 2000
        # Rows are validated one by one without a query (devzone.constraints), then
        # checked for unique rules and written all at once: no savepoint, INSERT or
        # SELECT per row. A Resource with a many-to-many field sets use_bulk = False.
        use_bulk = True
        batch_size = None

    write_batch_size = 1000

    def __init__(self, *, unmasked=False, user=None, run=None, **kwargs):
        super().__init__(**kwargs)
        self.unmasked = unmasked
        self.user = user
        self.run = run
        self.scope = Scope.of(user)
        self.row_numbers = {}
        self.values_before = None  # the imported columns' stored values, this row
        self.total_rows = 0
        self.preview_headers = []

    @classmethod
    def personal_fields(cls) -> dict[str, personal.Mask]:
        """Return {field name: mask} of the columns that hold personal data.

        Derived from the model fields the columns read (``devzone.personal``): a
        related record named by an ID number (an assistance record's recipient) is
        personal because that number is.
        """
        model = cls._meta.model
        found = {}
        for name, field in cls.fields.items():
            mask = personal.mask_for(model, value_path(field))
            if mask is not None:
                found[name] = mask
        return found

    def get_result_class(self):
        return ImportResult

    def get_row_result_class(self):
        return ImportRowResult

    # Fields from model fields: Chinese headers and devzone's widgets.

    @classmethod
    def widget_from_django_field(cls, f, default=widgets.Widget):
        if f.is_relation and f.many_to_many:
            return lambda **kw: NaturalKeyManyWidget(
                f.related_model, field=getattr(f.related_model, "NATURAL_KEY", "name")
            )
        if f.is_relation:
            return lambda **kw: NaturalKeyWidget(
                f.related_model, field=getattr(f.related_model, "NATURAL_KEY", "name")
            )
        if f.choices:
            return lambda **kw: ChoiceWidget(f.choices)
        if isinstance(f, IdNumberField):
            return IdNumberWidget
        if isinstance(f, PhoneField):
            return PhoneWidget
        if isinstance(f, models.BooleanField):
            return BooleanWidget
        if isinstance(f, models.DateTimeField):
            return super().widget_from_django_field(f, default)
        if isinstance(f, models.DateField):
            return DateWidget
        if isinstance(f, models.DecimalField | models.FloatField):
            return DecimalWidget
        if isinstance(f, models.IntegerField):
            return IntegerWidget
        if isinstance(f, models.CharField | models.TextField):
            return TextWidget
        return super().widget_from_django_field(f, default)

    @classmethod
    def widget_kwargs_for_field(cls, field_name, django_field):
        return dict((cls._meta.widgets or {}).get(field_name, {}))

    @classmethod
    def field_from_django_field(cls, field_name, django_field, readonly):
        field = super().field_from_django_field(field_name, django_field, readonly)
        field.attribute = field_name
        field.column_name = verbose_header(django_field)
        return field

    # Reading a file.

    def dataset_rows(self, dataset):
        headers = dataset.headers or []
        for values in dataset:
            yield dict(zip(headers, values, strict=False))

    def row_key(self, row):
        """Return the natural key of a row, or None if it cannot be read."""
        key = []
        for name in self.get_import_id_fields():
            field = self.fields[name]
            try:
                value = field.clean(row)
            except (ValueError, KeyError, ValidationError):
                return None
            if is_blank(value):
                return None
            if isinstance(value, models.Model):
                value = value.pk
            else:
                try:
                    # A key no column can hold (2**70) is never looked up.
                    opts = self._meta.model._meta
                    opts.get_field(field.attribute).run_validators(value)
                except (ValidationError, FieldDoesNotExist):
                    return None
            key.append(value)
        return tuple(key)

    def key_columns(self):
        return "、".join(
            self.fields[name].column_name for name in self.get_import_id_fields()
        )

    def normalize_headers(self, dataset):
        """Rename the headers to the columns' names; refuse a file for another table.

        Both what is missing and what is unknown are named in one message, before
        any row is read: a file meant for another table gets one clear answer.
        """
        by_key = {}
        for name, field in self.fields.items():
            if field.readonly:
                continue
            by_key[header_key(field.column_name)] = field.column_name
            by_key[header_key(name)] = field.column_name
        headers, unknown, seen = [], [], set()
        for header in dataset.headers or []:
            if is_blank(header):
                headers.append("")
                continue
            column = by_key.get(header_key(header))
            if column is None:
                unknown.append(shown(header, 20))
                headers.append(force_str(header))
                continue
            if column in seen:
                raise ImportFileError(
                    f"表头中“{column}”出现了两次：请删去其中一列后重新上传。"
                )
            seen.add(column)
            headers.append(column)
        missing = [
            self.fields[n].column_name
            for n in self.get_import_id_fields()
            if self.fields[n].column_name not in seen
        ]
        if unknown or missing:
            problems = []
            if missing:
                problems.append(f"缺少必需的列：{'、'.join(missing)}")
            if unknown:
                problems.append(f"无法识别的列：{'、'.join(unknown)}")
            table = self._meta.model._meta.verbose_name
            raise ImportFileError(
                f"表头与“{table}”的表格不符（{'；'.join(problems)}）。"
                f"请确认上传的是“{table}”的表格，并按可用的列修改表头；"
                f"可用的列：{'、'.join(f.column_name for f in self.get_import_fields())}。"
            )
        dataset.headers = headers

    def prime_foreign_keys(self, dataset):
        personal_columns = self.personal_fields()
        for name, field in self.fields.items():
            if not isinstance(field.widget, NaturalKeyWidget):
                continue
            if name in personal_columns:
                # A resident named by a number is looked for among the user's own
                # records only: one outside them reads as one that does not exist,
                # before any other answer about it (a name, a category) is given.
                field.widget.narrow = self.scope.filter
            if field.column_name in dataset.headers:
                field.widget.prime(dataset[field.column_name])

    def refuse_duplicate_keys(self, dataset):
        first_row: dict[Any, int] = {}
        duplicates = defaultdict(list)
        numbers = file_row_numbers(dataset)
        for number, row in zip(numbers, self.dataset_rows(dataset), strict=False):
            key = self.row_key(row)
            if key is None:
                continue
            if key in first_row:
                duplicates[first_row[key]].append(number)
            else:
                first_row[key] = number
        if duplicates:
            raise self.duplicate_keys_error(duplicates)

    def duplicate_keys_error(self, duplicates):
        """Return the refusal of a file naming a record twice: {first row: [later rows]}."""
        lines = [
            f"第 {first} 行与第 {'、'.join(map(str, later))} 行"
            for first, later in sorted(duplicates.items())
        ]
        return ImportFileError(
            f"同一文件中“{self.key_columns()}”重复：{'；'.join(lines)}。"
            "每条记录只能出现一次，请合并后重新上传。"
        )

    def duplicate_key_message(self, first):
        """Return the refusal of a row naming the record that row ``first`` names."""
        return (
            f"与第 {first} 行的“{self.key_columns()}”相同：同一记录在文件中只能出现一次，"
            "请合并或删除其中一行。"
        )

    def check_file(self, dataset):
        """Refuse a file that cannot be imported at all, before any row is read."""
        if not dataset.headers:
            raise ImportFileError("文件没有表头行：第 1 行应为各列的名称。")
        self.normalize_headers(dataset)
        self.prime_foreign_keys(dataset)
        self.charge_personal_lookups(dataset)

    def before_import(self, dataset, **kwargs):
        self.total_rows = len(dataset)
        self.preview_headers = [h for h in dataset.headers if not is_blank(h)]
        if self.run is not None:
            self.run.progress(0, self.total_rows)
        super().before_import(dataset, **kwargs)

    def after_init_instance(self, instance, new, row, **kwargs):
        self.values_before = None
        # Before the preview shows a single stored value: a row may not reach a
        # record outside the user's communities. The refusal names no record.
        if not new and not self.scope.allows(instance):
            raise self.errors_by_column(
                ValidationError({NON_FIELD_ERRORS: [self.scope.refusal()]})
            )
        if self.run is not None:
            try:
                self.check_version(instance, new, kwargs.get("row_number"))
            except ValidationError as exc:
                raise self.errors_by_column(exc) from None
        # What skip_row compares with: the stored values of the imported columns.
        self.values_before = None if new else self.imported_values(instance)
        super().after_init_instance(instance, new, row, **kwargs)

    def check_version(self, instance, new, number):
        """Record the row's record version; refuse it if it moved since the preview."""
        version = None if new else version_of(instance)
        self.run.versions[number] = version
        if self.run.expected is None:
            return
        error = stale_row_error(self.run.expected.get(str(number)), version)
        if error is not None:
            raise error

    def charge_personal_lookups(self, dataset):
        """Count the file's answers about full numbers against the user's quota.

        A user who sees numbers masked learns from a row's outcome (新增, 更新, 未变,
        a related record found or not) whether its full numbers are stored. Each
        distinct set of a row's personal values that shares its masked form with a
        stored value is one lookup, whether it matches or not, so the count (and
        whether the file is refused) is the same for a hidden number and for its
        candidates. Counted once, at the preview (or a command's run): the
        confirmation reads the same file.
        """
        if self.unmasked or self.user is None:
            return  # sees the numbers, or code importing as the system
        if self.run is not None and self.run.expected is not None:
            return
        model = self._meta.model
        headers = dataset.headers or []
        columns = []
        for name, mask in self.personal_fields().items():
            field = self.fields[name]
            if field.readonly or field.column_name not in headers:
                continue
            path = value_path(field) or name
            target: Any = personal.resolve(model, path)
            related, _, attribute = path.rpartition("__")
            values = {
                target.normalize(normalize_text(str(cell)))
                for cell in dataset[field.column_name]
                if not is_blank(cell)
            }
            owner = target.model if related else model
            shared = personal.stored_masks(owner, attribute, mask, values)
            columns.append((field.column_name, mask, target.normalize, shared))
        candidates = set()
        for row in self.dataset_rows(dataset):
            key = []
            for column, mask, normalize, shared in columns:
                cell = row.get(column)
                if is_blank(cell):
                    continue
                value = normalize(normalize_text(str(cell)))
                if mask(value) in shared:
                    key.append((column, value))
            if key:
                candidates.add(tuple(key))
        if candidates and not personal.lookup(
            self.user,
            model=model,
            channel=PersonalDataAccess.Channel.IMPORT,
            target="；".join(value for key in candidates for _, value in key),
            count=len(candidates),
        ):
            raise PersonalLookupRefused(
                personal.quota_message(personal.IMPORT_OVER_QUOTA)
            )

    def skip_row(self, instance, original, row, import_validation_errors=None):
        # With skip_diff the library keeps no deep copy (``original`` is None):
        # a row is unchanged when the imported columns read as they were stored.
        if all(is_blank(value) for value in row.values()):
            return True
        if (
            import_validation_errors
            or not self._meta.skip_unchanged
            or self.values_before is None
        ):
            return False
        return self.imported_values(
            instance
        ) == self.values_before and self.many_unchanged(instance, row)

    def imported_values(self, instance):
        """Return the values of the imported columns, to tell an unchanged row."""
        return tuple(
            field.get_value(instance)
            for field in self.import_fields
            if not isinstance(field.widget, widgets.ManyToManyWidget)
        )

    def many_unchanged(self, instance, row):
        """Return True if the row names the records its many-to-many fields hold."""
        for field in self.import_fields:
            if not isinstance(field.widget, widgets.ManyToManyWidget):
                continue
            if field.column_name not in row:
                continue
            wanted = {obj.pk for obj in field.clean(row)}
            stored = set(field.get_value(instance).values_list("pk", flat=True))
            if wanted != stored:
                return False
        return True

    @cached_property
    def import_fields(self):
        return self.get_import_fields()

    # The preview and the progress of a confirmation.

    @cached_property
    def preview_masks(self):
        """Return {column: mask} of the personal columns this user sees masked."""
        if self.unmasked:
            return {}
        masks = self.personal_fields()
        return {
            field.column_name: masks[name]
            for name, field in self.fields.items()
            if name in masks and not field.readonly
        }

    def preview_cells(self, row):
        """Return a row's cells as the file has them, for the preview page.

        Personal columns are masked for a user without the permission; a long cell
        is cut: the page shows what a row is, not all of it.
        """
        cells = []
        for header in self.preview_headers:
            value = row.get(header)
            text = "" if is_blank(value) else clean_text(value)
            mask = self.preview_masks.get(header)
            if mask is not None and text:
                text = mask(normalize_text(text))
            cells.append(shown(text, PREVIEW_CHARS))
        return cells

    def after_import_row(self, row, row_result, **kwargs):
        number = kwargs.get("row_number") or 0
        if number <= PREVIEW_ROWS:
            row_result.preview_cells = self.preview_cells(row)
        if self.run is not None and number % PROGRESS_ROWS == 0:
            self.run.progress(number, self.total_rows)
        super().after_import_row(row, row_result, **kwargs)

    def after_import(self, dataset, result, **kwargs):
        super().after_import(dataset, result, **kwargs)
        if self.run is not None:
            self.run.progress(self.total_rows, self.total_rows)

    def errors_by_column(self, error):
        columns = {field.attribute: field.column_name for field in self.fields.values()}
        by_column: dict[str, list] = {}
        for name, messages in error.message_dict.items():
            column = "整行" if name == NON_FIELD_ERRORS else columns.get(name, name)
            by_column.setdefault(column, []).extend(messages)
        return ValidationError(by_column)

    def import_data(self, dataset, *args, **kwargs):
        from devzone.spreadsheets.bulk import BulkImport

        try:
            self.check_file(dataset)
            dry_run = kwargs.get("dry_run", False)
            result = BulkImport(self, dataset, dry_run=dry_run).run()
        except ImportFileError as exc:
            if kwargs.get("raise_errors"):
                raise
            # The library would go on to read every row of a refused file.
            result = self.get_result_class()()
            result.total_rows = len(dataset)
            result.append_base_error(self.get_error_result_class()(exc))
            return result
        result.file_row_numbers = file_row_numbers(dataset)
        result.preview_headers = self.preview_headers
        if len(result.rows) == len(dataset):
            # A refused row never reaches after_import_row: its cells come from here.
            for number, row_result in enumerate(result.rows[:PREVIEW_ROWS], start=1):
                if row_result.preview_cells is None:
                    row = dict(zip(dataset.headers, dataset[number - 1], strict=True))
                    row_result.preview_cells = self.preview_cells(row)
        return result

    def resolved_foreign_keys(self, instance):
        """Return the foreign keys a NaturalKeyWidget found: they exist, no query needed."""
        names = set()
        for field in self.fields.values():
            if isinstance(field.widget, NaturalKeyWidget) and field.attribute:
                model_field = instance._meta.get_field(field.attribute)
                if getattr(instance, model_field.attname) is not None:
                    names.add(field.attribute)
        return names

    def validate_instance(
        self, instance, import_validation_errors=None, validate_unique=True
    ):
        errors = dict(import_validation_errors or {})
        if not errors and not self.scope.allows(instance):
            # A row may neither create a record in another community nor move one.
            raise self.errors_by_column(
                ValidationError({NON_FIELD_ERRORS: [self.scope.refusal()]})
            )
        exclude = set(errors) | self.resolved_foreign_keys(instance)
        per_row = not self._meta.use_bulk
        try:
            instance.full_clean(
                exclude=exclude, validate_unique=per_row, validate_constraints=per_row
            )
        except ValidationError as exc:
            errors = exc.update_error_dict(errors)
        if not per_row:
            failed = exclude | set(errors)
            for field, messages in check_constraint_errors(instance, failed).items():
                errors.setdefault(field, []).extend(messages)
        if errors:
            raise self.errors_by_column(
                ValidationError(required_messages(instance, errors))
            )

    def save_instance(self, instance, is_create, row, **kwargs):
        if not is_create and hasattr(instance, "updated_at"):
            instance.updated_at = timezone.now()
        self.row_numbers[id(instance)] = (kwargs.get("row_number"), row)
        if not self._meta.use_bulk:
            # Saved one by one: the history signal reads who and which batch here.
            if getattr(self.user, "pk", None):
                instance._history_user = self.user
            if self.run is not None and self.run.batch is not None:
                instance._import_batch = self.run.batch
        super().save_instance(instance, is_create, row, **kwargs)

    def get_bulk_update_fields(self):
        # Only the model's own columns: a Resource may read columns it does not save
        # (an assistance record's 帮扶对象类别), which bulk_update cannot write.
        names = {field.name for field in self._meta.model._meta.concrete_fields}
        fields = [name for name in super().get_bulk_update_fields() if name in names]
        if hasattr(self._meta.model, "updated_at") and "updated_at" not in fields:
            fields.append("updated_at")
        return fields

    def bulk_create(
        self, using_transactions, dry_run, raise_errors, batch_size=None, result=None
    ):
        # The first of the final writes: check the unique rules of every row at once.
        # A file with any bad row is rolled back, so its good rows are not written.
        self.refuse_unique_conflicts(result)
        if result is not None and (
            result.has_validation_errors() or result.has_errors()
        ):
            self.create_instances.clear()
            self.update_instances.clear()
            return
        if self.create_instances and (using_transactions or not dry_run):
            try:
                bulk_create_with_history(
                    self.create_instances,
                    self._meta.model,
                    batch_size=self.write_batch_size,
                    **self.history_kwargs(),
                )
            except DatabaseError as exc:
                self.handle_import_error(result, exc, raise_errors)
            finally:
                self.create_instances.clear()

    def bulk_update(
        self, using_transactions, dry_run, raise_errors, batch_size=None, result=None
    ):
        if self.update_instances and (using_transactions or not dry_run):
            try:
                bulk_update_with_history(
                    self.update_instances,
                    self._meta.model,
                    self.get_bulk_update_fields(),
                    batch_size=self.write_batch_size,
                    **self.history_kwargs(),
                )
            except DatabaseError as exc:
                self.handle_import_error(result, exc, raise_errors)
            finally:
                self.update_instances.clear()

    def history_kwargs(self):
        """Return who and which batch the history of a bulk write names."""
        batch = self.run.batch if self.run is not None else None
        return {
            "default_user": self.user if getattr(self.user, "pk", None) else None,
            "custom_historical_attrs": {"import_batch": batch} if batch else None,
        }

    def handle_import_error(self, result, error, raise_errors=False):
        # A database's refusal of a bulk write is put on the rows that caused it.
        if result is not None and isinstance(error, DatabaseError):
            instances = self.create_instances + self.update_instances
            refusal = database_refusal(self._meta.model, error, instances)
            if refusal is not None:
                field, message, culprits = refusal
                for instance in culprits:
                    number, row = self.row_numbers[id(instance)]
                    error_dict = self.errors_by_column(
                        ValidationError({field: message})
                    )
                    result.append_invalid_row(number, row, error_dict)
                if culprits:
                    result.invalid_rows.sort(key=lambda invalid: invalid.number)
                    return
                error = DatabaseRefusal(
                    f"{message}（{self.column_of(field)}）"
                    "。数据可能在预览后被他人修改，没有保存任何数据：请重新上传文件。"
                )
        super().handle_import_error(result, error, raise_errors)

    def column_of(self, field_name):
        for field in self.fields.values():
            if field.attribute == field_name:
                return field.column_name
        return field_name

    def refuse_unique_conflicts(self, result):
        """Report the rows that break a unique rule."""
        instances = self.create_instances + self.update_instances
        if not instances or result is None:
            return
        conflicts = unique_conflicts(self._meta.model, instances)
        for instance, by_field in conflicts:
            number, row = self.row_numbers[id(instance)]
            error = self.errors_by_column(ValidationError(dict(by_field)))
            result.append_invalid_row(number, row, error)
        result.invalid_rows.sort(key=lambda invalid: invalid.number)

    # Writing a file.

    def filter_export(self, queryset, **kwargs):
        related = [
            field.attribute
            for field in self.fields.values()
            if isinstance(field.widget, NaturalKeyWidget) and field.attribute
        ]
        many = [
            field.attribute
            for field in self.fields.values()
            if isinstance(field.widget, NaturalKeyManyWidget) and field.attribute
        ]
        if related:
            queryset = queryset.select_related(*related)
        if many:
            queryset = queryset.prefetch_related(*many)
        return queryset

    def personal_headers(self):
        """Return the headers of this Resource's personal columns."""
        masks = self.personal_fields()
        return [
            field.column_name for name, field in self.fields.items() if name in masks
        ]

    @cached_property
    def personal_masks(self):
        """Return {id(column): mask} of this instance's personal columns."""
        masks = self.personal_fields()
        return {id(self.fields[name]): mask for name, mask in masks.items()}

    def export_field(self, field, instance, **kwargs):
        return self.finish_cell(field, super().export_field(field, instance, **kwargs))

    def finish_cell(self, field, value):
        """Return an exported value masked (personal data) and formula-escaped."""
        mask = None if self.unmasked else self.personal_masks.get(id(field))
        if mask and value:
            value = mask(value)
        return escape_formula(value)
