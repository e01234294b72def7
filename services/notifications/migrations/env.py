from services.notifications.tables import metadata
from shared.storage.migrations import run_env

run_env(metadata)
