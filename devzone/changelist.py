"""Record lists that stay fast at a million rows: counts that stop, pages that skip.

Django's changelist counts every matching row on every page. devzone counts at most
``COUNT_CAP + 1`` of them: below the cap the count is exact; above it the whole table
(no filter, no search) shows PostgreSQL's own estimate, "约 1,000,000 条", and a
filtered list says "超过 10,000 条" and offers the first ``COUNT_CAP`` rows' pages —
a narrower filter finds the rest. Deep pages of the whole table read only the
primary keys in list order (an index-only scan of the list's ordering index) and then
fetch the page's rows by key. So do searched lists on PostgreSQL: the gram
indexes find every matching row (thousands, for a common word) in no order, and
PostgreSQL would join each to its team or community before sorting them for one
page.

The sidebar's filters are registered here for every admin: a filter over
communities (or records in them) offers only the user's own, and a plain column's
"all values" filter reads a big table's values from the column's index.
"""

from typing import TYPE_CHECKING, Any

from django.contrib import admin, messages
from django.contrib.admin import AllValuesFieldListFilter, helpers
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.views.main import ChangeList
from django.core import checks
from django.core.exceptions import EmptyResultSet, FullResultSet, ValidationError
from django.core.paginator import Paginator
from django.db import DataError, connections, models, router, transaction
from django.db.models import F
from django.http import HttpResponseRedirect
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from devzone.fields import SealedCharField, SealedSibling
from devzone.personal import resolve
from devzone.scope import Scope, community_path
from devzone.search import searches_grams
from devzone.validators import CONTROL_CHARACTERS

COUNT_CAP = 10_000
# Below this offset the ordinary query is as fast as the two-step one.
DEEP_OFFSET = 1_000


def table_estimate(queryset):
    """Return the planner's row estimate of the queryset's table, or None."""
    connection = connections[queryset.db]
    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT reltuples::bigint FROM pg_class WHERE oid = %s::regclass",
            [connection.ops.quote_name(queryset.model._meta.db_table)],
        )
        row = cursor.fetchone()
    return row[0] if row and row[0] > 0 else None


def is_whole_table(queryset):
    query = queryset.query
    return not (query.where or query.distinct or query.combinator or query.group_by)


class CappedCountPaginator(Paginator):
    """A paginator that counts no further than ``COUNT_CAP`` rows (see above)."""

    object_list: models.QuerySet
    is_estimate = False
    is_capped = False

    @cached_property
    def count(self):
        queryset = self.object_list
        counted = queryset.values("pk").order_by()[: COUNT_CAP + 1].count()
        if counted <= COUNT_CAP:
            return counted
        estimate = table_estimate(queryset) if is_whole_table(queryset) else None
        if estimate is not None and estimate > COUNT_CAP:
            self.is_estimate = True
            return estimate
        self.is_capped = True
        return COUNT_CAP

    def page(self, number):
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        if bottom < DEEP_OFFSET and not searches_grams(self.object_list):
            return super().page(number)
        keys = list(
            self.object_list.values_list("pk", flat=True)[
                bottom : bottom + self.per_page
            ]
        )
        # Paginator._get_page() is Django's own hook; the stubs leave it out.
        return self._get_page(  # type: ignore[attr-defined]
            self.object_list.filter(pk__in=keys), number, self
        )


class SafeChangeList(ChangeList):
    """A changelist that refuses impossible lookups as invalid filters, not 500s.

    Django turns a lookup it cannot build into "invalid filter" (?e=1), but a value
    it can build and not use fails later: a year 99999999999 overflows while the
    query is compiled, 1e999999 overflows a decimal column when it is run.
    """

    def get_filters(self, request):
        try:
            return super().get_filters(request)
        except OverflowError as exc:  # a date-hierarchy year past 9999
            raise IncorrectLookupParameters(exc) from exc

    def get_queryset(self, request, exclude_parameters=None):
        queryset = super().get_queryset(request, exclude_parameters)
        try:
            # Compiling converts every lookup value for the database.
            queryset.query.sql_with_params()
        except (EmptyResultSet, FullResultSet):
            pass
        except (OverflowError, ValueError, ArithmeticError) as exc:
            raise IncorrectLookupParameters(exc) from exc
        return queryset

    def get_results(self, request):
        # A savepoint, so that a refused query leaves the request's transaction usable.
        try:
            with transaction.atomic(using=router.db_for_read(self.model)):
                super().get_results(request)
        except DataError as exc:
            raise IncorrectLookupParameters(exc) from exc


def ordering_paths(term: Any) -> list[str]:
    """Return the field paths an ordering term (``"-name"``, F, OrderBy…) sorts by."""
    if isinstance(term, str):
        return [] if term == "?" else [term.removeprefix("-")]
    if isinstance(term, F):
        return [term.name]
    if hasattr(term, "flatten"):
        return [node.name for node in term.flatten() if isinstance(node, F)]
    return []


def sorts_by_sealed(model: type[models.Model], term: Any) -> bool:
    """Return True if an ordering term sorts by a sealed column or a copy of it.

    The column holds ciphertext and its digest a keyed hash, both in random
    order; the masked copy hides the digits an order would be read by. The birth
    date (``_birth``) is a real order, and no copy of the number.
    """
    for path in ordering_paths(term):
        field = resolve(model, path)
        if isinstance(field, SealedCharField) or (
            isinstance(field, SealedSibling) and field.kind != "birth"
        ):
            return True
    return False


class ZoneChangeList(SafeChangeList):
    """The admin's changelist, saying when its count is an estimate or a floor.

    A column showing a sealed value is not sortable, by its header or ``?o=``.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Django links every column header that sortable_by names, even one that
        # cannot be sorted (a path whose method has no ordering): only the columns
        # a click sorts are offered.
        sortable: list[Any] = [
            name
            for name in self.list_display
            if (self.sortable_by is None or name in self.sortable_by)
            and self.get_ordering_field(name)
        ]
        self.sortable_by = sortable

    def get_ordering_field(self, field_name):
        order_field = super().get_ordering_field(field_name)
        if order_field and sorts_by_sealed(self.model, order_field):
            return None
        return order_field

    @property
    def count_label(self):
        """Return "约 1,000,000 条" or "超过 10,000 条"; empty for an exact count."""
        paginator: Any = getattr(self, "paginator", None)
        if getattr(paginator, "is_estimate", False):
            return _("约 %(count)s 条") % {"count": f"{paginator.count:,}"}
        if getattr(paginator, "is_capped", False):
            return _("超过 %(count)s 条") % {"count": f"{COUNT_CAP:,}"}
        return ""


def loose_index_scan(connection, table, column, *, following, result="value"):
    """Return ``result`` for each value a loose index scan of ``column`` finds.

    The scan starts at the column's least non-null value; from each ``value`` found
    it probes the index once for the least one meeting ``following`` (SQL naming
    ``found.value``), until none does. ``table`` and ``column`` are quoted here.
    PostgreSQL has no skip scan of its own.
    """
    table = connection.ops.quote_name(table)
    column = connection.ops.quote_name(column)
    following = following.format(column=column)
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            WITH RECURSIVE found(value) AS (
                (SELECT {column} FROM {table} WHERE {column} IS NOT NULL
                 ORDER BY {column} LIMIT 1)
                UNION ALL
                SELECT (SELECT {column} FROM {table} WHERE {following}
                        ORDER BY {column} LIMIT 1)
                FROM found WHERE found.value IS NOT NULL
            )
            SELECT {result} FROM found WHERE value IS NOT NULL
            """
        )
        return [row[0] for row in cursor.fetchall()]


def distinct_values(queryset, column):
    """Return the distinct non-null values of a table's indexed column, in order.

    One index probe per value instead of reading every row.
    """
    return loose_index_scan(
        connections[queryset.db],
        queryset.model._meta.db_table,
        column,
        following="{column} > found.value",
    )


def distinct_years(model, field_name):
    """Return the years in which a model's date field has rows, in order.

    On PostgreSQL a loose index scan of the field's index, one probe a year, where
    ``dates(field, "year")`` truncates every row's date.
    """
    connection = connections[model._default_manager.db]
    if connection.vendor != "postgresql":
        return [day.year for day in model._default_manager.dates(field_name, "year")]
    return loose_index_scan(
        connection,
        model._meta.db_table,
        model._meta.get_field(field_name).column,
        following=(
            "{column} >= make_date(extract(year FROM found.value)::int + 1, 1, 1)"
        ),
        result="extract(year FROM value)::int",
    )


class IndexedAllValuesFieldListFilter(AllValuesFieldListFilter):
    """The admin's "all values" sidebar filter, listing a big table's values from
    the column's index instead of a DISTINCT over every row."""

    def __init__(self, field, request, params, model, model_admin, field_path):
        super().__init__(field, request, params, model, model_admin, field_path)
        if (
            field_path != field.name
            or connections[model._default_manager.db].vendor != "postgresql"
        ):
            return
        queryset = model_admin.get_queryset(request)
        indexed = any(
            index.fields and index.fields[0] == field.name
            for index in model._meta.indexes
        )
        if indexed and is_whole_table(queryset):
            estimate = table_estimate(queryset)
            if estimate and estimate > COUNT_CAP:
                self.lookup_choices = distinct_values(queryset, field.column)


def plain_column(field):
    """Return True for a field Django's admin filters with AllValuesFieldListFilter."""
    return not (
        field.is_relation
        or field.flatchoices
        or isinstance(field, models.BooleanField | models.DateField)
    )


class ScopedRelatedFieldListFilter(admin.RelatedFieldListFilter):
    """A sidebar filter over communities (or records in them) offering only the
    user's own."""

    def field_choices(self, field, request, model_admin):
        scope = Scope.of(request.user)
        self.scoped = not scope.is_whole_zone
        if scope.is_whole_zone:
            return super().field_choices(field, request, model_admin)
        related = field.related_model
        queryset = scope.filter(related._default_manager.all())
        return [(obj.pk, str(obj)) for obj in queryset]

    def has_output(self):
        # A worker of one community gets a single choice, which Django would hide
        # and then ignore: ?community=<another> would list their own rows instead.
        return getattr(self, "scoped", False) or super().has_output()


admin.FieldListFilter.register(
    lambda field: (
        bool(field.is_relation and field.related_model)
        # The stubs allow "self", which Django resolves to the model as apps load.
        and community_path(field.related_model) is not None  # type: ignore[arg-type]
    ),
    ScopedRelatedFieldListFilter,
    take_priority=True,
)
admin.FieldListFilter.register(
    plain_column, IndexedAllValuesFieldListFilter, take_priority=True
)


# Typed as the ModelAdmin it is mixed into; a plain mixin at run time.
if TYPE_CHECKING:
    _ModelAdmin = admin.ModelAdmin
else:
    _ModelAdmin = object


class ZoneChangeListMixin(_ModelAdmin):
    """Use ZoneChangeList, and search without control characters.

    Every admin of the site uses it, auth's included: PostgreSQL refuses a NUL even
    in a search pattern, which the changelist and the autocomplete both send.
    """

    def get_changelist(self, request, **kwargs):
        return ZoneChangeList

    def check(self, **kwargs):
        return [*super().check(**kwargs), *sealed_ordering_errors(self)]

    def response_action(self, request, queryset):
        # Django filters by the posted keys as they come: "abc" or a number past
        # the column's range ends in a server error instead of a message.
        pk = self.model._meta.pk
        try:
            for value in request.POST.getlist(helpers.ACTION_CHECKBOX_NAME):
                pk.run_validators(pk.to_python(value))
        except ValidationError:
            self.message_user(
                request,
                _("所选记录无效，请在列表中重新勾选后再操作。"),
                messages.ERROR,
            )
            return HttpResponseRedirect(request.get_full_path())
        return super().response_action(request, queryset)

    def get_search_results(self, request, queryset, search_term):
        term = CONTROL_CHARACTERS.sub("", search_term)
        return super().get_search_results(request, queryset, term)


def declared_order(model_admin: Any, column: Any) -> Any:
    """Return the ordering a list column's method or property declares, if any."""
    attr = column
    if isinstance(column, str):
        attr = getattr(model_admin, column, None) or getattr(
            model_admin.model, column, None
        )
    if isinstance(attr, property):
        attr = attr.fget
    return getattr(attr, "admin_order_field", None)


def sealed_ordering_errors(model_admin: Any) -> list[checks.Error]:
    """Return an error for each ordering of an admin's list by a sealed column."""
    model = model_admin.model
    declared = [("ordering", term) for term in model_admin.ordering or ()]
    if not model_admin.ordering:
        declared += [("Meta.ordering", term) for term in model._meta.ordering]
    declared += [
        (f"list_display {getattr(column, '__name__', column)!r}", term)
        for column in model_admin.list_display
        if (term := declared_order(model_admin, column))
    ]
    return [
        checks.Error(
            f"{where} orders {model._meta.label} by {term!r}, a sealed column or "
            f"a copy of one: its order is random or hidden.",
            hint="Order by another column (an ID number's _birth is a date).",
            obj=type(model_admin),
            id="devzone.E012",
        )
        for where, term in declared
        if sorts_by_sealed(model, term)
    ]
