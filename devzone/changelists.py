"""The admin changelist every devzone admin uses: impossible lookups are refused.

Django's changelist turns a lookup it cannot build into "invalid filter" (a redirect
with ``?e=1``), but a value it can build and not use fails later, as a 500: a year
``99999999999`` overflows while the query is compiled, ``1e999999`` overflows a
decimal column in PostgreSQL when it is run. Both are refused the same way here.
"""

from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.views.main import ChangeList
from django.core.exceptions import EmptyResultSet, FullResultSet
from django.db import DataError, router, transaction

from devzone.validators import CONTROL_CHARACTERS


class ZoneChangeList(ChangeList):
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


class ZoneChangeListMixin:
    """Use ZoneChangeList, and search without control characters.

    Every admin of the site uses it, auth's included: PostgreSQL refuses a NUL even
    in a search pattern, which the changelist and the autocomplete both send.
    """

    def get_changelist(self, request, **kwargs):
        return ZoneChangeList

    def get_search_results(self, request, queryset, search_term):
        term = CONTROL_CHARACTERS.sub("", search_term)
        return super().get_search_results(request, queryset, term)
