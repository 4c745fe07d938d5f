"""devzone: the records system of a county-level economic development zone.

Where each rule lives — read this before you change one:

- Which rows?             a QuerySet method on the model (``Household.objects.signed()``);
                          admin filters, FilterSets, reports and report links call it.
- Who may see which rows? ``devzone.scope.Scope`` (community scope), applied by
                          ``ZoneAdmin.get_queryset``, the export centre, the report and
                          the import Resource; QuerySets say where their community is.
                          A community worker whose account names no community
                          fails closed (``Scope.unassigned``: nothing, and why).
                          Import batches: ``ImportBatch.objects.visible_to``.
- What may be stored?     the model: field validators, then ``Meta.constraints``
                          (``TimeStampedModel`` maps a constraint to its column);
                          forms and imports both meet them.
- A change with effects?  a function in the app's ``services.py``: keyword-only,
                          atomic, all-or-nothing through
                          ``devzone.services.records_change_all_or_none``; an admin
                          action declares it as a ``devzone.admin_base.BulkAction``
                          (confirmation page, then the service).
- Personal data?          ``devzone.personal``, its one owner: a value is personal
                          because its field is (``IdNumberField``, ``PhoneField``),
                          and so is every path reaching it (``recipient__id_number``);
                          ``may_unmask``, the masks and their SQL twins, the daily
                          lookup quota (searches, filters, import rows, forms) and the
                          log of every full view. Every surface asks it.
- The trail?              ``devzone.audit`` (django-simple-history on every model);
                          imports write it in bulk and name their ``ImportBatch``.
- A spreadsheet?          ``devzone.spreadsheets``: ``formats`` (reading files),
                          ``widgets`` (cells), ``resources`` (``ZoneResource``),
                          ``uploads`` (between preview and confirmation),
                          ``results`` (errors and counts), ``bulk`` (the set-based
                          import: checks and writes in SQL), ``export`` (every
                          download: admin and export centre, logged first),
                          ``cells`` (formula escaping).
- Plugging an app in?     one ``devzone.registry.register_app(...)`` call in its
                          ``AppConfig.ready()``; ``devzone`` never imports an app.
                          Report figures are built from ``devzone.reports.figures``
                          (list links, counts, chart bars).
- Roles?                  ``devzone.roles`` (data), applied by ``manage.py setup_roles``;
                          ``SCOPED_ROLES`` are the roles bound to communities.
- An error page?          ``devzone.errors`` (403/404 in the admin's frame) and the
                          plain ``templates/400.html`` … ``500.html``; admin actions
                          refuse malformed selections in ``ZoneChangeListMixin``.
"""
