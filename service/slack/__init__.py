"""The Slack bot: Events API over HTTP (``mount_slack``) or Socket Mode (``run_socket_mode``)."""

from service.slack.http import mount_slack

__all__ = ["mount_slack"]
