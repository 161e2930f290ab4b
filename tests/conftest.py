"""Shared test configuration."""
import os

# notifications (SMTP, webhooks) may only reach loopback hosts while the tests run: anything else is
# refused before a connection is made (publisher.operations.notify)
os.environ["PUBLISHER_NOTIFY_LOOPBACK_ONLY"] = "1"
