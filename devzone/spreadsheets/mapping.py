"""Column mapping: a user's own reading of the column names of their ledger.

When a file's column matches no name of the dataset (``spreadsheets.headers``), the
preview offers to map it to a column, or to 不导入; the choice is kept for that user
and dataset (``devzone.models.ColumnMapping``) and the next file of the same ledger
is read with it. A mapped column is then one more name of its column: it is checked
exactly as a matched one, it never overrides a name the dataset knows, and two file
columns cannot be mapped to one column. ``import_file --map`` takes the same.
"""

from collections.abc import Iterable, Sequence

from django.core.exceptions import ValidationError
from django.db import transaction

from devzone.models import ColumnMapping
from devzone.spreadsheets.formats import header_key, shown

LEAVE_OUT = "不导入"


def mapping_of(user, dataset: str) -> dict[str, str]:
    """Return the user's mapping of a dataset: {folded file name: column or ""}."""
    if user is None or not user.is_authenticated:
        return {}
    return dict(
        ColumnMapping.objects.filter(user=user, dataset=dataset).values_list(
            "file_column", "column"
        )
    )


def mapping_checked(
    pairs: Iterable[tuple[str, str]], choices: Sequence[str]
) -> dict[str, str]:
    """Return ``(file name, column or 不导入)`` pairs as a mapping; refuse bad ones.

    The column is one of ``choices`` (the dataset's importable columns) or 不导入;
    two file names may not be mapped to one column.
    """
    errors: list[str] = []
    mapping: dict[str, str] = {}
    taken: dict[str, str] = {}  # column -> the file name mapped to it
    for name, column in pairs:
        name, column = (name or "").strip(), (column or "").strip()
        if not name:
            errors.append("文件中的列名不能为空。")
            continue
        if len(name) > 100:
            errors.append(f"文件中的列名“{shown(name, 20)}”过长（最多 100 个字）。")
            continue
        if column == LEAVE_OUT:
            column = ""
        elif column not in choices:
            errors.append(
                f"“{shown(column, 20)}”不是可导入的列：“{shown(name, 20)}”只能对应"
                f"以下列之一或“{LEAVE_OUT}”：{'、'.join(choices)}。"
            )
            continue
        if column in taken and header_key(taken[column]) != header_key(name):
            errors.append(
                f"“{shown(taken[column], 20)}”和“{shown(name, 20)}”不能都对应"
                f"“{column}”：每一列只能对应文件中的一列。"
            )
            continue
        if column:
            taken[column] = name
        mapping[header_key(name)] = column
    if errors:
        raise ValidationError(errors)
    return mapping


@transaction.atomic
def column_mapping_save(
    *,
    user,
    dataset: str,
    mapping: dict[str, str | None],
    choices: Sequence[str],
) -> None:
    """Save the user's mapping of a dataset's file names; None clears a name's.

    The result, stored mappings included, is checked as a whole: a new mapping to
    a column an earlier one already takes is refused.
    """
    stored = {
        m.file_column: m
        for m in ColumnMapping.objects.select_for_update().filter(
            user=user, dataset=dataset
        )
    }
    # A stored mapping to a column the dataset no longer has is dropped.
    stale = [k for k, m in stored.items() if m.column and m.column not in choices]
    for key in stale:
        stored.pop(key).delete()
    after = {k: m.column for k, m in stored.items()}
    for key, column in mapping.items():
        if column is None:
            after.pop(header_key(key), None)
        else:
            after[header_key(key)] = column
    mapping_checked(
        [(key, column or LEAVE_OUT) for key, column in after.items()], choices
    )
    for key, column in mapping.items():
        key = header_key(key)
        if column is None:
            if key in stored:
                stored[key].delete()
            continue
        ColumnMapping.objects.update_or_create(
            user=user, dataset=dataset, file_column=key, defaults={"column": column}
        )
