"""Photos on site, shared by every app: upload checks, storage, the checked view.

``processing`` (what an upload goes through), ``models`` (the abstract ``Photo``
an app's own photo model extends), ``services`` (adding and purging), ``views``
(the only way a photo leaves the server), ``admin`` (the multi-file upload field,
the inline and the before/after panel of a record's change page).
"""
