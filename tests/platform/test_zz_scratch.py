import uuid

from shared.runtime import ServiceRuntime
from tests.platform.kernel_app import Counted


async def test_scratch(kernel: ServiceRuntime) -> None:
    consumer = kernel.consumers[0]
    e = kernel.outbox.envelope(Counted(counter=f"s-{uuid.uuid4()}", n=1))
    async with kernel.sessions() as session, session.begin():
        print(await consumer._arrive(session, [e, e]))
    async with kernel.sessions() as session, session.begin():
        print(await consumer._arrive(session, [e]))
