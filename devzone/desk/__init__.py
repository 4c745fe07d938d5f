"""The worker's desk: the person page (一人一档), the to-do (我的待办) and notices.

Each app says, when it registers (``devzone.registry.register_app``), which of its
fields name a person (``people``) and which of its rows are due (``todos``); this
package gathers them for one user, within the user's ``Scope``, and imports no app.
"""
