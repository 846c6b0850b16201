"""Convert Da Vinci ATR's StructureDefinitions, ValueSets and CodeSystems from the IG's source
(XML, as HL7 keeps them in its davinci-atr repository under input/resources/) to the JSON that
snapshot.mjs and validate.mjs read.

    .venv/bin/python tools/fhir-profiles/import_atr.py <davinci-atr checkout>/input/resources

fhir.resources (R4B models, identical to R4 for these resources) parses the XML; its parser drops
the `id` attribute of each ElementDefinition, so the ids are copied back from the XML in
document order (the snapshot generator and the validator key slices on them). Nothing else is
changed: the rules are HL7's as published.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

from fhir.resources.R4B import get_fhir_model_class
from lxml import etree

HERE = Path(__file__).resolve().parent
OUT = HERE / "atr"
FHIR = {"f": "http://hl7.org/fhir"}
# The conformance resources the attribution list, its Coverage and their extensions need.
WANTED = (
    "atr-patient-list",
    "atr-group",
    "atr-coverage",
    "atr-intended-recipient-extension",
    "atr-insurance-product-type",
    "atr-any-resource-extension",
    "ext-attributedProvider",
    "ext-attributionListStatus",
    "ext-changeType",
    "ext-contractValidityPeriod",
    "ext-coverageReference",
    "valueset-atr-attribution-list-status",
    "valueset-atr-changetype",
    "codesystem-atr-attribution-list-status",
    "codesystem-atr-changetype",
)


def convert(path: Path) -> dict:
    xml = path.read_bytes()
    root = re.search(rb"<(\w+)\s+xmlns=\"http://hl7.org/fhir\"", xml)
    if root is None:
        raise SystemExit(f"{path.name}: not a FHIR resource")
    model = get_fhir_model_class(root.group(1).decode())
    data = model.model_validate_xml(xml).model_dump(mode="json", by_alias=True, exclude_none=True)
    tree = etree.fromstring(xml)
    for part in ("differential", "snapshot"):
        elements = tree.findall(f"f:{part}/f:element", FHIR)
        if not elements:
            continue
        converted = data[part]["element"]
        assert len(elements) == len(converted), f"{path.name}: {part} lost elements"
        for source, element in zip(elements, converted, strict=True):
            if source.get("id"):
                element["id"] = source.get("id")
    return data


def main(source: Path) -> None:
    OUT.mkdir(exist_ok=True)
    for name in WANTED:
        data = convert(source / f"{name}.xml")
        target = OUT / f"{data['resourceType']}-{data['id']}.json"
        target.write_text(json.dumps(data, indent=1, ensure_ascii=False) + "\n")
        print(f"{name}.xml -> {target.relative_to(HERE)} ({data.get('url')})")


if __name__ == "__main__":
    main(Path(sys.argv[1]))
