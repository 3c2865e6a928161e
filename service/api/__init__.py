"""The HTTP API: FastAPI routers over :class:`service.desk.Newsdesk`; build it with ``create_app``."""
