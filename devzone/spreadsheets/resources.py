"""ZoneResource, the base of every Resource: natural keys, scope, versions, masking."""

from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import models
from django.utils.encoding import force_str
from django.utils.functional import cached_property
from import_export import fields, resources, widgets
from import_export.declarative import ModelDeclarativeMetaclass

from devzone import personal
from devzone.fields import IdNumberField, PhoneField
from devzone.models import PersonalDataAccess
from devzone.scope import Scope
from devzone.spreadsheets.cells import escape_formula
from devzone.spreadsheets.engine import ImportEngine
from devzone.spreadsheets.formats import drop_columns, is_blank, shown
from devzone.spreadsheets.headers import HeaderNames, drop_footer, locate_header
from devzone.spreadsheets.results import (
    PREVIEW_CHARS,
    ImportFileError,
    ImportResult,
    ImportRowResult,
    PersonalLookupRefused,
    file_row_numbers,
    rows_text,
)
from devzone.spreadsheets.runs import (  # noqa: F401 (where callers import them)
    STALE_ROW,
    ImportRun,
    stale_row_error,
    version_from,
    version_of,
)
from devzone.spreadsheets.sheets import sheets_merged
from devzone.spreadsheets.widgets import (
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


def verbose_header(django_field):
    return force_str(django_field.verbose_name)


def value_path(field) -> str | None:
    """Return the path of the value a Resource column holds: a related key's too."""
    if not field.attribute:
        return None
    if isinstance(field.widget, NaturalKeyWidget | NaturalKeyManyWidget):
        return f"{field.attribute}__{field.widget.field}"
    return field.attribute


# A column and the names people write for it ---------------------------------------------


class Column(fields.Field):
    """A Resource's column, declared with the other names people write for it.

    ``head_name = Column(aliases=["户主"])`` on a ZoneResource is the model field's
    column as it would be made anyway (its header from the verbose name, its
    widget), which a file may also head 户主. Names every dataset shares (身份证号码
    for 身份证号) are ``spreadsheets.headers.COMMON_ALIASES``.
    """

    def __init__(self, *args, aliases=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.aliases = tuple(aliases)
        self.declared_column_name = kwargs.get("column_name")


class ZoneResourceMetaclass(ModelDeclarativeMetaclass):
    """Make each ``Column`` declared without an attribute its model field's column."""

    def __new__(mcs, name, bases, attrs):
        new_class = super().__new__(mcs, name, bases, attrs)
        model = new_class._meta.model
        for field_name, field in list(new_class.fields.items()):
            if not isinstance(field, Column) or field.attribute or model is None:
                continue
            made = new_class.field_from_django_field(
                field_name, model._meta.get_field(field_name), readonly=False
            )
            made.aliases = field.aliases
            made.column_name = field.declared_column_name or made.column_name
            new_class.fields[field_name] = made
        return new_class


# The Resource base ---------------------------------------------------------------------


class ZoneResource(resources.ModelResource, metaclass=ZoneResourceMetaclass):
    """The base of every Resource: Chinese headers, natural keys, all-or-nothing imports.

    Subclasses declare ``Meta.model``, ``Meta.fields`` and ``Meta.import_id_fields``
    (a natural key, never ``id``). A column that reads a personal field (its own, or
    the key of a related record) is masked on export and in the preview unless the
    resource is built with ``unmasked=True`` (``devzone.personal.may_unmask``).
    """

    DEFAULT_RESOURCE_FIELD = Column

    class Meta:
        # The library reads and writes no row: devzone.spreadsheets.engine does.
        skip_diff = True

    def __init__(
        self, *, unmasked=False, user=None, run=None, column_map=None, **kwargs
    ):
        super().__init__(**kwargs)
        self.unmasked = unmasked
        self.user = user
        self.run = run
        # The user's own reading of column names the Resource does not know
        # ({folded name: column, or "" for 不导入}, ``spreadsheets.mapping``).
        self.column_map = column_map or {}
        self.scope = Scope.of(user)
        self.total_rows = 0
        self.preview_headers = []
        self.file_notes = []
        self.unmatched_columns = []  # the file's names no column matched
        self.mapped_columns = []  # (file's name, column or "") read by the mapping

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

    def key_names(self):
        """Return the column names of the import's natural key."""
        return [self.fields[name].column_name for name in self.get_import_id_fields()]

    def key_columns(self):
        return "、".join(
            self.fields[name].column_name for name in self.get_import_id_fields()
        )

    def header_names(self):
        """Return the names this Resource's columns may be written with."""
        columns = {}
        for name, field in self.fields.items():
            if field.readonly:
                continue
            columns[field.column_name] = field.column_name
            columns[name] = field.column_name
        return HeaderNames(columns, self.column_aliases(), self.column_map)

    @classmethod
    def column_aliases(cls):
        """Return {column: [other names]} declared beside the columns (``Column``)."""
        return {
            field.column_name: list(field.aliases)
            for field in cls.fields.values()
            if getattr(field, "aliases", ()) and not field.readonly
        }

    def normalize_headers(self, dataset):
        """Find the header, rename it to the columns' names, set aside what is no data.

        Rows above the header and totals or signatures below the data are left out,
        序号 columns ignored and unknown columns left unimported, each said in the
        preview (``file_notes``); a missing key column refuses the file.
        """
        names = self.header_names()
        self.unmatched_columns, self.mapped_columns = [], []
        if len(getattr(dataset, "sheets", ())) > 1 or getattr(
            dataset, "empty_sheets", None
        ):
            self.file_notes = sheets_merged(dataset, names, self.key_names())
        else:
            self.file_notes = locate_header(dataset, names)
            self.file_notes += drop_footer(dataset)
        headers, unknown, seen, dropped = [], [], set(), []
        for index, header in enumerate(dataset.headers or []):
            if is_blank(header):
                headers.append(f"\x00{index}")
                dropped.append(index)
                continue
            column = names.column(header)
            if names.is_mapped(header):
                self.mapped_columns.append((force_str(header), column or ""))
            if column is None:
                if not names.is_left_out(header):
                    unknown.append(shown(header, 20))
                    self.unmatched_columns.append(force_str(header)[:100])
                headers.append(f"\x00{index}")
                dropped.append(index)
                continue
            if column in seen and names.is_mapped(header):
                raise ImportFileError(
                    f"文件中的“{shown(header, 20)}”列按列的对应关系读作“{column}”，"
                    f"而文件中已有“{column}”列：请修改对应关系后重新上传。"
                )
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
        if missing:
            table = self._meta.model._meta.verbose_name
            unknown_text = f"；无法识别的列：{'、'.join(unknown)}" if unknown else ""
            raise ImportFileError(
                f"表头与“{table}”的表格不符（缺少必需的列：{'、'.join(missing)}"
                f"{unknown_text}）。"
                f"请确认上传的是“{table}”的表格，并按可用的列修改表头；"
                f"可用的列：{'、'.join(f.column_name for f in self.get_import_fields())}。"
            )
        if unknown:
            self.file_notes.append(f"不导入的列：{'、'.join(unknown)}")
        if self.mapped_columns:
            self.file_notes.append(
                "按列的对应关系读取的列："
                + "、".join(
                    f"{shown(name, 20)} → {column or '不导入'}"
                    for name, column in self.mapped_columns
                )
            )
        numbers = getattr(dataset, "row_numbers", None)
        dataset.headers = headers
        drop_columns(dataset, dropped)
        if numbers is not None:
            dataset.row_numbers = numbers
        if not len(dataset):
            raise ImportFileError(
                "文件在表头以下没有数据行（合计、落款等行不算数据）：请填写要导入的数据后重新上传。"
            )

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

    def duplicate_key_message(self, first):
        """Return the refusal of a row naming the record that row ``first`` names."""
        return (
            f"与{rows_text([first])}的“{self.key_columns()}”相同：同一记录在文件中只能出现一次，"
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
        """Check the file, then import it as one set (``spreadsheets.engine``)."""
        try:
            self.check_file(dataset)
            dry_run = kwargs.get("dry_run", False)
            result = ImportEngine(self, dataset, dry_run=dry_run).run()
        except ImportFileError as exc:
            if kwargs.get("raise_errors"):
                raise
            # The library would go on to read every row of a refused file.
            result = self.get_result_class()()
            result.total_rows = len(dataset)
            result.append_base_error(self.get_error_result_class()(exc))
            self.describe_columns(result)
            return result
        result.file_row_numbers = file_row_numbers(dataset)
        result.preview_headers = self.preview_headers
        self.describe_columns(result)
        return result

    def describe_columns(self, result):
        """Put on the result what the preview says of the file's columns."""
        result.file_notes = self.file_notes
        result.unmatched_columns = self.unmatched_columns
        result.mapped_columns = self.mapped_columns
        result.mapping_choices = [
            field.column_name for field in self.fields.values() if not field.readonly
        ]

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
