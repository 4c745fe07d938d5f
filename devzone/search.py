"""The admin's search, answered from indexes.

Django's admin search turns ``=id_number`` into ``UPPER(id_number) = UPPER(%s)``,
which the column's index cannot serve, and a name into ``LIKE '%张伟%'``, which reads
every row; a trigram index needs three characters and most names have two.

devzone searches the same fields with the same meaning (every word must match some
field):

- an exact field (``=id_number``) compares the stored, normalised value exactly, and
  only when the word could be such a value at all (a name is never an ID number);
- a text field, on PostgreSQL, first asks the GIN index of its characters and
  character pairs (``devzone_grams(col) @@ 'w' & 'o' & 'wo'``, a function the
  migrations create), then checks ``icontains`` on the few rows found — two
  characters or twenty. A word is ``(any field's index hint) AND (any field's
  check)``: a text holding the word holds its grams, so this is the same as "some
  field holds the word", and the hints alone choose the rows from the indexes —
  an ``OR`` of ``hint AND check`` pairs would compute every found row's grams again;
- a field of a related record (``team__name``) is searched in that record's table
  first, and the list is filtered by the keys found.
"""

import re
from functools import reduce
from operator import and_, or_
from typing import TYPE_CHECKING

from django.contrib import admin
from django.contrib.admin.utils import lookup_spawns_duplicates
from django.db import connections, models
from django.db.models import F, Func, Q
from django.utils.text import smart_split, unescape_string_literal

from devzone.fields import IdNumberField, PhoneField
from devzone.validators import (
    CONTROL_CHARACTERS,
    ID_PATTERN,
    normalize_search_term,
)

PHONE_SEARCH = re.compile(r"[0-9]{5,20}")
# A related search that matches more records than this filters by subquery instead.
RELATED_KEYS_MAX = 1000


def grams(word):
    """Return a word's characters and character pairs, lower-cased (as in SQL)."""
    text = word.lower()
    return sorted(
        {text[i : i + size] for size in (1, 2) for i in range(len(text) - size + 1)}
    )


def gram_query(word):
    """Return the ``tsquery`` text matching every gram of ``word``."""
    quoted = (
        "'" + gram.replace("\\", "\\\\").replace("'", "''") + "'"
        for gram in grams(word)
    )
    return " & ".join(quoted)


class GramsMatch(Func):
    """True where ``column`` holds every gram of ``word`` (PostgreSQL, GIN-indexed)."""

    function = "devzone_grams"
    template = "%(function)s(%(expressions)s) @@ %(query)s"
    output_field = models.BooleanField()
    conditional = True

    def __init__(self, column, word):
        super().__init__(F(column))
        self.word = word

    # Django's compiler passes only these; Func's optional template arguments unused.
    def as_sql(self, compiler, connection, **extra_context):  # type: ignore[override]
        sql, params = super().as_sql(
            compiler, connection, query="%s::tsquery", **extra_context
        )
        return sql, (*params, gram_query(self.word))


def searches_grams(queryset):
    """Return True if the queryset is filtered through a gram index."""
    nodes = [queryset.query.where]
    while nodes:
        node = nodes.pop()
        if isinstance(node, GramsMatch):
            return True
        # A condition in a filter becomes ``Exact(condition, True)``.
        nodes.extend(getattr(node, "children", ()))
        nodes.extend(part for part in (getattr(node, "lhs", None),) if part is not None)
    return False


def could_equal(field, word):
    """Return False if ``word`` can never be a stored value of ``field``."""
    if isinstance(field, IdNumberField):
        return bool(ID_PATTERN.fullmatch(word))
    if isinstance(field, PhoneField):
        return bool(PHONE_SEARCH.fullmatch(word))
    return True


def target_field(model, path):
    """Return the model field a lookup path ends on."""
    opts, field = model._meta, None
    for part in path.split("__"):
        field = opts.get_field(part)
        if field.is_relation and field.related_model:
            opts = field.related_model._meta
    return field


def both(condition):
    """Return a condition as its own index hint and check."""
    return condition, condition


class IndexedSearch:
    """Build the filter for an admin search (see the module's docstring)."""

    def __init__(self, model, search_fields, using="default"):
        self.model = model
        self.fields = [
            (name.startswith("="), name.removeprefix("=")) for name in search_fields
        ]
        self.grams = connections[using].vendor == "postgresql"

    @classmethod
    def handles(cls, search_fields):
        return all(not name.startswith(("^", "@")) for name in search_fields)

    def condition(self, word, exact, path):
        """Return (the index hint, the check) of one field, or None."""
        field = target_field(self.model, path)
        if exact:
            if not could_equal(field, word):
                return None
            lookup = (
                "exact" if isinstance(field, IdNumberField | PhoneField) else "iexact"
            )
            return self.related(path, lookup, word)
        return self.related(path, "icontains", word)

    def word_condition(self, word):
        """Return the condition that some field matches ``word`` (module docstring)."""
        found = [
            condition
            for exact, path in self.fields
            if (condition := self.condition(word, exact, path)) is not None
        ]
        if not found:
            return Q(pk__in=[])
        checks = reduce(or_, (check for _hint, check in found))
        if all(hint is check for hint, check in found):
            return checks
        return reduce(or_, (hint for hint, _check in found)) & checks

    def related(self, path, lookup, word):
        relation, _sep, column = path.partition("__")
        if not column:
            return self.local(path, lookup, word)
        field = self.model._meta.get_field(relation)
        if not (field.many_to_one and "__" not in column):
            return both(Q(**{f"{path}__{lookup}": word}))
        related = IndexedSearch(field.related_model, [], self.model._default_manager.db)
        hint, check = related.local(column, lookup, word)
        found = (
            field.related_model._default_manager.filter(hint)
            .filter(check)
            .values_list(field.target_field.attname, flat=True)
        )
        keys = list(found[: RELATED_KEYS_MAX + 1])
        if len(keys) > RELATED_KEYS_MAX:
            return both(Q(**{f"{field.name}__in": found}))
        return both(Q(**{f"{field.attname}__in": keys}))

    def local(self, column, lookup, word):
        condition = Q(**{f"{column}__{lookup}": word})
        if lookup == "icontains" and self.grams:
            return Q(GramsMatch(column, word)), condition
        return both(condition)

    def filter(self, queryset, search_term):
        """Return (the queryset searched, whether it may hold duplicates)."""
        words = [
            unescape_string_literal(bit)
            if bit.startswith(('"', "'")) and bit[0] == bit[-1]
            else bit
            for bit in smart_split(search_term)
        ]
        conditions = [self.word_condition(word) for word in words if word]
        if not conditions:
            return queryset, False
        duplicates = any(
            lookup_spawns_duplicates(self.model._meta, path) for _e, path in self.fields
        )
        return queryset.filter(reduce(and_, conditions)), duplicates


# Typed as the class it is mixed into; at run time a plain mixin.
if TYPE_CHECKING:
    _ModelAdmin = admin.ModelAdmin
else:
    _ModelAdmin = object


class IndexedSearchMixin(_ModelAdmin):
    """Answer a ModelAdmin's search with IndexedSearch wherever it can."""

    def get_search_results(self, request, queryset, search_term):
        term = normalize_search_term(CONTROL_CHARACTERS.sub("", search_term))
        fields = self.get_search_fields(request)
        if not (term and fields and IndexedSearch.handles(fields)):
            return super().get_search_results(request, queryset, term)
        return IndexedSearch(self.model, fields, queryset.db).filter(queryset, term)
