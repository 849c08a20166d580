"""The Slack adapter: Bolt listeners, Block Kit, the notifier and the app factory.

Each listener module exposes `register(app, deps)`; a listener only parses what Slack sent, calls
the platform-free use cases in `handlers/` off the event loop, and renders the outcome. Every
message and view is stamped with its school on the way out (`stamps.py`), and a press or a form
acts in the school it carries.
"""
