"""Hospital events over HTTPS, for senders that cannot speak MLLP: one HL7 v2 ADT message
(`Content-Type: x-application/hl7-v2+er7`, or text/plain) or one FHIR R4 `Encounter`
notification (`application/fhir+json`) per request, from a partner client holding the
`adt:write` scope. The message goes through the same intake as the MLLP listener
(events.services): stored once per sender and message id, matched within the client's entity
only, and answered with the acknowledgment code and its reason (AA 200, AE 422, AR 400; for
HL7 v2 the ACK message itself is in `ack`)."""

from __future__ import annotations

import json
from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, extend_schema, inline_serializer
from rest_framework import exceptions, serializers
from rest_framework.parsers import BaseParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from events.adt import ack
from events.services import adt_fhir_receive, adt_v2_receive
from partners.authentication import partner_client_of

HL7_TYPES = ("x-application/hl7-v2+er7", "text/plain")
FHIR_TYPES = ("application/fhir+json", "application/json")
LIMIT = 1024 * 1024
STATUS = {"AA": 200, "AE": 422, "AR": 400}


class RawTextParser(BaseParser):
    """The body as text (HL7 v2 is ASCII or UTF-8; MSH-18 names other sets)."""

    media_type = "x-application/hl7-v2+er7"

    def parse(self, stream: Any, media_type: Any = None, parser_context: Any = None) -> Any:
        data = stream.read(LIMIT + 1) if stream is not None else b""
        if len(data) > LIMIT:
            raise exceptions.ParseError("The message is longer than 1 MiB.")
        try:
            return {"hl7": data.decode("utf-8")}
        except UnicodeDecodeError:
            return {"hl7": data.decode("latin-1")}


class PlainTextParser(RawTextParser):
    media_type = "text/plain"


class FhirJsonParser(BaseParser):
    media_type = "application/fhir+json"

    def parse(self, stream: Any, media_type: Any = None, parser_context: Any = None) -> Any:
        data = stream.read(LIMIT + 1) if stream is not None else b""
        if len(data) > LIMIT:
            raise exceptions.ParseError("The resource is longer than 1 MiB.")
        try:
            return {"fhir": json.loads(data.decode("utf-8"))}
        except (UnicodeDecodeError, ValueError) as error:
            raise exceptions.ParseError(f"The body is not JSON: {error}.") from None


class JsonParser(FhirJsonParser):
    media_type = "application/json"


@extend_schema(
    tags=["hospital events"],
    request={
        "x-application/hl7-v2+er7": OpenApiTypes.STR,
        "application/fhir+json": OpenApiTypes.OBJECT,
    },
    responses={
        200: inline_serializer(
            "AdtAck",
            {
                "ack": serializers.CharField(help_text="AA, AE or AR (MSA-1)"),
                "reason": serializers.CharField(),
                "control_id": serializers.CharField(),
                "duplicate": serializers.BooleanField(),
                "message": serializers.CharField(
                    required=False, help_text="The HL7 v2 ACK (HL7 v2 only)"
                ),
            },
        ),
        400: OpenApiTypes.OBJECT,
        422: OpenApiTypes.OBJECT,
    },
    examples=[
        OpenApiExample(
            "HL7 v2 A03",
            value="MSH|^~\\&|EPIC|MERCY|OPENVBC|ACO|20261204101500||ADT^A03|MSG1|P|2.5.1\r...",
            request_only=True,
        )
    ],
)
class AdtIntakeApi(APIView):
    """Receive one ADT event (HL7 v2 message or FHIR Encounter) from a registered sender of the
    client's entity."""

    required_scopes = ["adt"]
    parser_classes = [RawTextParser, PlainTextParser, FhirJsonParser, JsonParser]

    def post(self, request: Request) -> Response:
        client = partner_client_of(request)
        if client is None:
            raise exceptions.PermissionDenied("Hospital events are sent by partner systems.")
        data: Any = request.data
        if "hl7" in data:
            text = data["hl7"]
            receipt = adt_v2_receive(text=text, channel="https", entity_id=client.entity_id)
            body = {
                "ack": receipt.code,
                "reason": receipt.reason,
                "control_id": receipt.control_id,
                "duplicate": receipt.duplicate,
                "message": ack(text, receipt.code, receipt.reason, control_id=receipt.control_id),
            }
        elif "fhir" in data:
            receipt = adt_fhir_receive(resource=data["fhir"], entity_id=client.entity_id)
            body = {
                "ack": receipt.code,
                "reason": receipt.reason,
                "control_id": receipt.control_id,
                "duplicate": receipt.duplicate,
            }
        else:
            raise exceptions.UnsupportedMediaType(
                request.content_type,
                "Send x-application/hl7-v2+er7 (HL7 v2) or application/fhir+json (Encounter).",
            )
        return Response(body, status=STATUS.get(receipt.code, 400))
