"""Topics, their partition counts and the dead-letter topic of each consumer group."""

BOOKINGS_EVENTS = "bookings.events.v1"
BROKERAGE_EVENTS = "brokerage.events.v1"
NOTIFICATIONS_EVENTS = "notifications.events.v1"
PRIVACY_EVENTS = "privacy.events.v1"
"""Personal-data requests and answers: they carry emails, so deploy keeps them one day."""
FINANCE_EVENTS = "finance.events.v1"

PARTITIONS: dict[str, int] = {
    BOOKINGS_EVENTS: 6,
    BROKERAGE_EVENTS: 6,
    NOTIFICATIONS_EVENTS: 3,
    PRIVACY_EVENTS: 3,
    FINANCE_EVENTS: 3,
}

CONSUMER_GROUPS = ("notifications", "brokerage", "bookings", "finance")


def dead_letter_topic(group_id: str) -> str:
    return f"{group_id}.dlq.v1"


def all_topics(extra_groups: tuple[str, ...] = ()) -> dict[str, int]:
    topics = dict(PARTITIONS)
    for group in (*CONSUMER_GROUPS, *extra_groups):
        topics[dead_letter_topic(group)] = 1
    return topics
