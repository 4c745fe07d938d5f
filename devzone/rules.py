"""Rules between a record's values that no CHECK constraint can state, declared once.

A model lists them as ``row_rules``; ``TimeStampedModel.clean`` runs them for forms
and scripts, and the set-based import (``devzone.spreadsheets.engine``) runs the same
functions over the rows of a file, so a form and an import refuse the same values
with the same message. A rule the database can state is a ``Meta.constraints``
entry instead.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS


@dataclass(frozen=True)
class RowRule:
    """One rule: the field its refusal names, the fields it reads, its test.

    ``test(instance)`` returns the refusal (a message) or None. The import builds the
    instance from the row's values, with ``pk`` set to the matched record's (None for
    a new row), and skips a row where a field the rule reads was refused already.

    A rule that compares a record with what is stored (a case moved to 已办结) gives
    ``prepare(pks)``, returning {pk: what the test needs} for many records in a few
    queries; its test is then called as ``test(instance, stored)``. ``pks`` is what
    ``pk__in=`` takes: a list, or (from the import) a subquery of a chunk's records.
    """

    field: str
    reads: tuple[str, ...]
    test: Callable[..., Any]
    prepare: Callable[[list], dict] | None = None

    def refusal(self, instance: Any, known: dict | None = None) -> Any:
        """Return the rule's refusal of the instance, or None."""
        if self.prepare is None:
            return self.test(instance)
        if known is None:
            known = self.prepare([instance.pk]) if instance.pk is not None else {}
        return self.test(instance, known.get(instance.pk))


def row_rule_errors(instance: Any, exclude: set[str] | None = None) -> dict:
    """Return {field: [message]} of the instance's row rules it breaks."""
    exclude = exclude or set()
    errors: dict[str, list] = {}
    for rule in getattr(type(instance), "row_rules", ()):
        if exclude & set(rule.reads):
            continue
        message = rule.refusal(instance)
        if message is not None:
            errors.setdefault(rule.field, []).append(message)
    return errors


__all__ = ["NON_FIELD_ERRORS", "RowRule", "row_rule_errors"]
