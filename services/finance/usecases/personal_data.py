"""Finance's part of a personal-data request (erasure or export: ``personal_data_store``),
answered to bookings."""

from services.finance import personal_data_store as store
from shared.contracts.privacy import FinancePersonalDataErased, FinancePersonalDataExported
from shared.messaging.personal_data import PersonalDataAnswers
from shared.runtime import ServiceRuntime


def answers(runtime: ServiceRuntime) -> PersonalDataAnswers:
    """The consumer's handler of ``PersonalDataRequested``."""
    return PersonalDataAnswers(
        service="finance",
        outbox=runtime.outbox,
        clock=runtime.clock,
        erase=store.erase,
        export=store.export,
        erased=FinancePersonalDataErased,
        exported=FinancePersonalDataExported,
    )
