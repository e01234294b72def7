"""A plain start page for a service: who is signed in and the hats its own data gives them."""

from html import escape

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from shared.identity import Identity
from shared.web.signin import SignedIn, signout_token

LABELS = {
    "alliance_admin": "administrator of {alliance}",
    "coordinator": "coordinator of {alliance}",
    "school_lead": "CPD lead of school {school} ({alliance})",
    "participant": "participant from school {school} ({alliance})",
    "sle": "specialist leader of education, {alliance}",
}


def hats(identity: Identity) -> list[str]:
    lines = []
    for hat in identity.principals:
        for role in sorted(hat.roles):
            label = LABELS.get(role.value, role.value)
            lines.append(label.format(alliance=hat.alliance_id, school=hat.school_urn or ""))
    return lines


def start_router(title: str, extra: dict[str, str] | None = None) -> APIRouter:
    """``GET /``: the signed-in person (or off to sign in) and what they are here."""
    router = APIRouter(include_in_schema=False)

    @router.get("/", response_class=HTMLResponse)
    async def start(request: Request, identity: SignedIn) -> HTMLResponse:
        items = "".join(f"<li>{escape(line)}</li>" for line in hats(identity)) or (
            "<li>nothing here yet: no record of this service names you</li>"
        )
        links = "".join(
            f'<li><a href="{escape(href)}">{escape(text)}</a></li>'
            for text, href in (extra or {}).items()
        )
        person = identity.person
        body = f"""<!DOCTYPE html>
<html lang="en-GB"><head><meta charset="utf-8"><title>{escape(title)} - Alliance</title></head>
<body><header><strong>{escape(title)}</strong>
<form method="post" action="/signout" style="display:inline">
<input type="hidden" name="csrf_token" value="{escape(signout_token(request))}">
{escape(person.name)} <button type="submit">Sign out</button></form></header>
<main><h1>Signed in as {escape(person.name)}</h1><p>{escape(person.email)}</p>
<h2>Here you are</h2><ul>{items}</ul><ul>{links}</ul></main></body></html>"""
        return HTMLResponse(body)

    return router
