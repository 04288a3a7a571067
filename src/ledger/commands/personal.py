"""An applicant's personal data shown to a person, and that showing recorded.

``ledger applicant show`` prints the data to whoever runs it on the server; a web page
shows it to a user who signed in, so each view is recorded first, with the exports of
personal data (``register export --with-personal-data``) on the agency's exports stream:
one place answers who saw or took whose data, and when.
"""

from __future__ import annotations

from ledger.commands._context import Desk
from ledger.commands.applicants import ApplicantData, show_applicant
from ledger.events.exports import PersonalDataViewed, exports_stream
from ledger.events.store import ANY, NewEvent


def view_applicant(desk: Desk, request_id: str, where: str) -> ApplicantData:
    """The personal data of the applicant of a request, recorded as seen by the desk's
    actor (``applicant.personal-data-viewed``) before it is returned."""
    data = show_applicant(desk, request_id)
    event = PersonalDataViewed(request_id=request_id, where=where)
    desk.store.append(exports_stream(desk.agency), [NewEvent(event, desk.today)],
                      expected_version=ANY, actor=desk.actor, agency=desk.agency)  # fmt: skip
    return data
