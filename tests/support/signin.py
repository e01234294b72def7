"""Sign in the way a browser does: through the real local OpenID provider's pages."""

from urllib.parse import urlsplit

import httpx


def _local(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


async def sign_in(
    client: httpx.AsyncClient, email: str, next: str = "/", *, service: str = ""
) -> httpx.Response:
    """Sign ``email`` in on ``client`` (an app behind ASGI) and follow back; the last response.

    The app's redirects to the provider go over real HTTP; the provider's redirect back to
    ``/auth/callback`` is followed on ``client``, whatever host its public URL names.
    """
    start = await client.get("/signin", params={"next": next})
    assert start.status_code == 302, start.text
    authorize = start.headers["location"]
    async with httpx.AsyncClient() as provider:
        page = await provider.get(authorize)
        assert page.status_code == 200, page.text
        assert "Authorize" in page.text
        picked = await provider.post(authorize, data={"sub": email})
    assert picked.status_code == 302, picked.text
    callback = picked.headers["location"]
    assert urlsplit(callback).path == "/auth/callback", callback
    back = await client.get(_local(callback))
    return back
