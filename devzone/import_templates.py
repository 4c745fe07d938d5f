"""The spreadsheet template of each import: its headers, an example row, its rules.

Everything is read from the Resource and its model, so a new field or a new record
type gets its template and its rules without a line here.
"""

import tempfile

from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils.encoding import force_str
from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from devzone import personal
from devzone.fields import IdNumberField, PhoneField
from devzone.spreadsheets.cells import column_width
from devzone.spreadsheets.headers import COMMON_ALIASES
from devzone.validators import NO, YES, id_check_character

EXAMPLE_ID_FIRST17 = "32118119800101001"  # 丹阳 321181, 1980-01-01: invented
REQUIRED_FILL = PatternFill("solid", fgColor="FFF2CC")


EXAMPLE_ROW = "这是模板的示例行，请删除"


def example_text(field):
    """Return the template's example of a text column (e.g. 示例户主姓名)."""
    return f"示例{force_str(field.verbose_name)}"[: getattr(field, "max_length", 40)]


def model_field(resource_class, field):
    """Return the model field a Resource column reads, or None."""
    model = resource_class._meta.model
    try:
        return model._meta.get_field((field.attribute or "").split("__")[0])
    except FieldDoesNotExist:
        return None


def is_required(resource_class, name, django_field):
    if name in (resource_class._meta.import_id_fields or ()):
        return True
    if django_field is None or django_field.blank:
        return False
    return not (django_field.has_default() or django_field.null)


def rule_and_example(name, django_field, scope_names, key=None):
    """Return what a cell of this column must hold, in a clerk's words, and an example.

    The example is a plausible value for the template's example row. A related
    record is named by ``key`` (its natural key); one named by a personal number
    gets that number's rule and an invented example, never a resident's number.
    """
    field = django_field
    if field is None:
        return "文字", ""
    if field.is_relation:
        related = force_str(field.related_model._meta.verbose_name)
        key_field = field.related_model._meta.get_field(
            key or getattr(field.related_model, "NATURAL_KEY", "name")
        )
        if personal.field_mask(key_field) is not None:
            rule, example = rule_and_example(name, key_field, [])
            return (
                f"已有{related}的{force_str(key_field.verbose_name)}：{rule}",
                example,
            )
        key_name = "名称" if key_field.name == "name" else key_field.verbose_name
        many = "，多个用顿号“、”分隔" if field.many_to_many else ""
        known = f"（如：{'、'.join(scope_names[:3])}）" if scope_names else ""
        example = scope_names[0] if scope_names else ""
        return f"填写已有{related}的{force_str(key_name)}{known}{many}", example
    if field.choices:
        labels = "、".join(force_str(label) for _value, label in field.flatchoices)
        return f"从以下选一项：{labels}", force_str(field.flatchoices[0][1])
    if isinstance(field, IdNumberField):
        return (
            "18 位身份证号，末位校验码须正确（x 可小写）；"
            "请把这一列设为“文本”格式，否则 Excel 会改坏号码",
            EXAMPLE_ID_FIRST17 + id_check_character(EXAMPLE_ID_FIRST17),
        )
    if isinstance(field, PhoneField):
        return (
            "11 位手机号，或带区号的固定电话（如 0511-86881234）；设为“文本”格式",
            "13800000000",
        )
    if isinstance(field, models.BooleanField):
        return f"{YES} / {NO}", NO
    if isinstance(field, models.DateField):
        return "日期，如 2021-03-05、2021/3/5 或 2021年3月5日", "2021-03-05"
    if isinstance(field, models.DecimalField):
        return f"数字，最多 {field.decimal_places} 位小数，不带单位和逗号", "100.00"
    if isinstance(field, models.IntegerField):
        return "整数，不带单位", "2021" if "year" in name else "1"
    example = example_text(field)
    if getattr(field, "max_length", None):
        return f"文字，不超过 {field.max_length} 个字", example
    return "文字", example


def column_rules(resource_class, scope):
    """Return [{column, required, rule, example}] for every column of an import."""
    resource = resource_class()
    aliases = column_aliases(resource)
    rows = []
    for name, field in resource.fields.items():
        if field.readonly:
            continue
        django_field = model_field(resource_class, field)
        names, key = [], None
        if django_field is not None and django_field.is_relation:
            related = django_field.related_model
            # The key the column is read by: the widget's (a user by username).
            key = getattr(field.widget, "field", None) or getattr(
                related, "NATURAL_KEY", "name"
            )
            if personal.mask_for(related, key) is None:
                names = [
                    force_str(value)
                    for value in scope.filter(related._default_manager.all())
                    .order_by(key)
                    .values_list(key, flat=True)[:3]
                ]
        required = is_required(resource_class, name, django_field)
        rule, example = rule_and_example(name, django_field, names, key)
        if not required and isinstance(django_field, models.DateField):
            example = ""  # an optional date often depends on a state
        rows.append(
            {
                "column": field.column_name,
                "required": required,
                "rule": rule,
                "example": example,
                "aliases": "、".join(aliases.get(field.column_name, [])),
            }
        )
    return rows


def column_aliases(resource):
    """Return {column: [other names it may be written with]} (spreadsheets.headers)."""
    found: dict[str, list[str]] = {}
    mappings = [COMMON_ALIASES, resource.column_aliases()]
    columns = {f.column_name for f in resource.fields.values() if not f.readonly}
    for mapping in mappings:
        for column, names in mapping.items():
            if column in columns:
                found.setdefault(column, [])
                found[column] += [n for n in names if n not in found[column]]
    return found


def template_workbook(title, rules):
    """Return a temporary file holding the template: 数据 and 填写说明 sheets."""
    workbook = Workbook()
    sheet = workbook.create_sheet("数据", 0)
    workbook.remove(workbook.worksheets[1])
    sheet.freeze_panes = "A2"
    for index, rule in enumerate(rules, start=1):
        header = sheet.cell(row=1, column=index, value=rule["column"])
        header.font = Font(bold=True)
        header.comment = Comment(
            ("必填。" if rule["required"] else "可空。") + rule["rule"], "devzone"
        )
        if rule["required"]:
            header.fill = REQUIRED_FILL
        example = sheet.cell(row=2, column=index, value=rule["example"])
        example.number_format = "@"  # text: IDs and phones stay as typed
        letter = get_column_letter(index)
        sheet.column_dimensions[letter].width = column_width(rule["column"])
        # The whole column is text, so Excel never turns an ID into 3.21181E+17.
        sheet.column_dimensions[letter].number_format = "@"
    help_sheet = workbook.create_sheet("填写说明")
    help_sheet.append(
        [
            f"{title}导入模板：第 1 行是表头，请勿修改；第 2 行是示例，导入前请删除或改成真实数据。"
        ]
    )
    help_sheet.append(
        [
            "黄色表头为必填列。列名也可按“也可写作”一列书写；序号列和表头上方的"
            "标题行不导入。文件可存为 XLSX、XLS、ODS，或 CSV（UTF-8 或 GBK 均可）。"
        ]
    )
    help_sheet.append([])
    help_sheet.append(["列名", "必填", "填写要求", "示例", "也可写作"])
    for cell in help_sheet[4]:
        cell.font = Font(bold=True)
    for rule in rules:
        help_sheet.append(
            [
                rule["column"],
                YES if rule["required"] else "",
                rule["rule"],
                rule["example"],
                rule.get("aliases", ""),
            ]
        )
    for letter, width in zip("ABCDE", (22, 6, 70, 22, 30), strict=True):
        help_sheet.column_dimensions[letter].width = width
    for row in help_sheet.iter_rows(min_row=5):
        row[2].alignment = Alignment(wrap_text=True, vertical="top")
    spool = tempfile.SpooledTemporaryFile(max_size=4 * 2**20)  # noqa: SIM115
    workbook.save(spool)
    spool.seek(0)
    return spool
