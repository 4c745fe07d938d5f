"""The frames that span the zone: the annual report and the export centre.

Apps plug into them through ``devzone.registry``; nothing here imports an app.
"""
