"""The notifications database: its own tables plus the outbox and inbox every service carries."""

from shared.runtime import service_metadata

metadata = service_metadata()
