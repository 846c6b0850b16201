"""Models of the entities app: the program registry, entities, providers and participations."""

from entities.models.entity import Entity, EntityYear
from entities.models.participants import (
    ParticipantChangeRequest,
    ParticipantOrganization,
    Participation,
    Provider,
)
from entities.models.registry import (
    ParameterBand,
    PerformanceYear,
    Program,
    ProgramParameter,
    SpecialtyCode,
    Track,
)

__all__ = [
    "Entity",
    "EntityYear",
    "ParameterBand",
    "ParticipantChangeRequest",
    "ParticipantOrganization",
    "Participation",
    "PerformanceYear",
    "Program",
    "ProgramParameter",
    "Provider",
    "SpecialtyCode",
    "Track",
]
