"""devzone: the records system of a county-level economic development zone.

Where each rule lives — read this before you change one:

- Which rows?             a QuerySet method on the model (``Household.objects.signed()``);
                          admin filters, FilterSets, reports and report links call it.
- Who may see which rows? ``devzone.scope.Scope`` (community scope), applied by
                          ``ZoneAdmin.get_queryset``, the export centre, the report and
                          the import Resource; QuerySets say where their community is.
- What may be stored?     the model: field validators, then ``Meta.constraints``
                          (``TimeStampedModel`` maps a constraint to its column);
                          forms and imports both meet them.
- A change with effects?  a function in the app's ``services.py``: keyword-only,
                          atomic, all-or-nothing through
                          ``devzone.services.records_change_all_or_none``; an admin
                          action declares it as a ``devzone.admin_base.BulkAction``
                          (confirmation page, then the service).
- Personal data?          the Resource's ``personal_fields`` and
                          ``personal_data_permission`` (masking); lookups and views of
                          full numbers through ``devzone.services`` (quota, log).
- The trail?              ``devzone.audit`` (django-simple-history on every model);
                          imports write it in bulk and name their ``ImportBatch``.
- A spreadsheet?          ``devzone.spreadsheets``: ``formats`` (reading files),
                          ``widgets`` (cells), ``resources`` (``ZoneResource``),
                          ``uploads`` (between preview and confirmation),
                          ``results`` (errors and counts), ``bulk`` (the set-based
                          import: checks and writes in SQL), ``export`` (every
                          download: admin and export centre, logged first; the one
                          unmasking rule ``may_unmask``), ``cells`` (formula escaping).
- Plugging an app in?     one ``devzone.registry.register_app(...)`` call in its
                          ``AppConfig.ready()``; ``devzone`` never imports an app.
                          Report figures are built from ``devzone.reports.figures``
                          (list links, counts, chart bars).
- Roles?                  ``devzone.roles`` (data), applied by ``manage.py setup_roles``.
- A person, a to-do?      ``devzone.desk``: the person page (一人一档, ``people``)
                          gathers what apps register as ``people`` (fields naming a
                          person), the to-do (我的待办, ``todo``) their ``todos`` (a
                          QuerySet method the linked list filter also calls);
                          ``reminders`` writes the to-do as notices
                          (``manage.py send_reminders``).
"""
