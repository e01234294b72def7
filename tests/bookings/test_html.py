import re

from tests.bookings.conftest import Alliance
from tests.support.signin import sign_in


def _field(html: str, name: str, after: str = "<main") -> str:
    """The value of a form field, in the page's main part (the header has its own form)."""
    found = re.search(rf'name="{name}" value="([^"]*)"', html[html.find(after) :])
    assert found, name
    return found.group(1)


async def test_catalogue_and_course_pages_are_accessible_and_escaped(alliance: Alliance) -> None:
    course = await alliance.course(title="Maths <script>alert(1)</script> & reasoning")
    listing = await alliance.api.get("/catalogue")
    assert listing.status_code == 200
    html = listing.text
    assert '<html lang="en-GB">' in html
    assert 'href="#main-content"' in html
    assert "<script>" not in html
    page = await alliance.api.get(f"/catalogue/{course['id']}")
    assert page.status_code == 200
    assert "Maths &lt;script&gt;alert(1)&lt;/script&gt; &amp; reasoning" in page.text
    assert "<h1>" in page.text
    assert "Sign in as your school's CPD lead" in page.text
    assert "Content-Security-Policy" in page.headers
    assert (await alliance.api.get("/static/alliance/alliance.css")).status_code == 200


async def test_a_signed_in_cpd_lead_books_through_the_form_once(alliance: Alliance) -> None:
    course = await alliance.course()
    school = await alliance.school()
    api = alliance.api
    try:
        before = await api.get(f"/catalogue/{course['id']}")
        assert f"/signin?next=/catalogue/{course['id']}" in before.text
        signed = await sign_in(api, school.lead_email, next=f"/catalogue/{course['id']}")
        assert signed.status_code == 303
        assert signed.headers["location"] == f"/catalogue/{course['id']}"
        page = (await api.get(f"/catalogue/{course['id']}")).text
        csrf, key = _field(page, "csrf_token"), _field(page, "idempotency_key")
        form = {
            "csrf_token": csrf,
            "idempotency_key": key,
            "participant_name": "Alex Form",
            "participant_email": "alex.form@school.example.org",
        }
        for token in ("x", "fórged"):
            forged = await api.post(
                f"/catalogue/{course['id']}/book", data={**form, "csrf_token": token}
            )
            assert forged.status_code == 403
        invalid = await api.post(
            f"/catalogue/{course['id']}/book", data={**form, "participant_email": "nope"}
        )
        assert invalid.status_code == 422
        assert "There is a problem" in invalid.text
        assert "Alex Form" in invalid.text
        booked = await api.post(f"/catalogue/{course['id']}/book", data=form)
        assert booked.status_code == 200, booked.text
        assert "Place booked" in booked.text
        again = await api.post(f"/catalogue/{course['id']}/book", data=form)
        assert "Place booked" in again.text
        listed = await api.get(f"/bookings?course={course['id']}", headers=alliance.admin)
        assert listed.json()["total"] == 1
        assert listed.json()["items"][0]["participant"]["email"] == "alex.form@school.example.org"
        signout = _field(page, "csrf_token", after="/signout")
        out = await api.post("/signout", data={"csrf_token": signout})
        assert out.status_code == 303
    finally:
        api.cookies.clear()
    assert "Sign in as your school" in (await api.get(f"/catalogue/{course['id']}")).text
