"""The facts each brokerage event carries, built from the rows the use case already holds."""

from collections.abc import Mapping
from typing import Any

from services.brokerage.repository import days
from shared.contracts.brokerage import DeploymentInfo, RequestInfo, SleInfo
from shared.contracts.common import Contact, SchoolRef


def coordinators(alliance: Mapping[str, Any]) -> list[Contact]:
    return [
        Contact(name=c["name"], email=c["email"], role="coordinator")
        for c in alliance["coordinators"]
    ]


def request_info(request: Mapping[str, Any], alliance: Mapping[str, Any], url: str) -> RequestInfo:
    return RequestInfo(
        request_id=request["id"],
        reference=request["reference"],
        alliance_id=request["alliance_id"],
        status=request["status"],
        school=SchoolRef(urn=request["school_urn"], name=request["school_name"]),
        contact=Contact(
            name=request["contact_name"],
            email=request["contact_email"],
            role=request["contact_role"],
        ),
        areas_of_need=list(request["areas"]),
        phase=request["phase"],
        days_requested=days(request["days_requested"]),
        coordinators=coordinators(alliance),
        url=url,
    )


def sle_info(sle: Mapping[str, Any]) -> SleInfo:
    return SleInfo(
        sle_id=sle["id"],
        person=Contact(name=sle["name"], email=sle["email"], role="SLE"),
        home_school=SchoolRef(urn=sle["home_school_urn"], name=sle["home_school_name"]),
        home_head=Contact(
            name=sle["home_head_name"], email=sle["home_head_email"], role="headteacher"
        ),
    )


def deployment_info(deployment: Mapping[str, Any]) -> DeploymentInfo:
    return DeploymentInfo(
        days=days(deployment["days"]),
        day_rate_pence=deployment["day_rate_pence"],
        brokerage_fee_pence=deployment["brokerage_fee_pence"],
        starts_on=deployment["starts_on"],
        ends_on=deployment["ends_on"],
    )
