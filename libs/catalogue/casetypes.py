"""The catalogue of case types: data in a YAML file, not code."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path

import yaml

from kernel.domain.actors import Actor, actor_id
from kernel.domain.calendar import Target, WorkingCalendar, calendar_for


@dataclass(frozen=True)
class CaseType:
    id: str
    name: dict[str, str]
    description: dict[str, str]
    target: Target
    kind: str  # "legal" deadline or "service_guarantee"
    legal_reference: str
    team: str
    clock_starts_when_complete: bool
    # how far the deadline may be moved, once, with a reason (default: by the target again)
    extension: Target | None = None
    # building permits (PBL 12 kap. 8 a §): the fee drops one fifth per started week late
    fee_reduction: bool = False
    # the area of SKR's Insikt survey the case type is reported under (None: not surveyed)
    insikt_area: str | None = None
    # what an application should include, each in sv and en (the public case-type page)
    documents: tuple[dict[str, str], ...] = ()
    # how to appeal a decision (the decision page and letter)
    appeal: dict[str, str] = field(default_factory=dict)
    # False where the outcome is not a decision (an answer to a question): no appeal address
    appealable: bool = True

    def label(self, lang: str) -> str:
        return self.name.get(lang) or self.name["en"]


@dataclass(frozen=True)
class Status:
    id: str
    phase: str  # the fixed step the rules know: open, in_progress, waiting_for_applicant, decided, closed
    label: dict[str, str]
    applicant: dict[str, str]  # what the business owner reads

    def text(self, lang: str, applicant: bool = False) -> str:
        words = self.applicant if applicant else self.label
        return words.get(lang) or words["en"]


@dataclass(frozen=True)
class Person:
    """A member of a team's roster, known by the subject (`sub`) of their sign-in at the
    deployment's issuer (or at `issuer`, where a roster names another); the name and email
    are for showing and writing to, never for telling people apart."""

    name: str
    email: str
    subject: str
    issuer: str | None = None

    @property
    def actor_id(self) -> str | None:
        """Who this is (kernel.domain.actors); None until the roster knows its issuer."""
        return actor_id(self.issuer, self.subject) if self.issuer else None

    @property
    def actor(self) -> Actor | None:
        return Actor(self.actor_id, self.name) if self.actor_id else None


@dataclass(frozen=True)
class Team:
    id: str
    name: dict[str, str]
    lead: Person
    members: tuple[Person, ...]

    def member(self, actor: str | None) -> Person | None:
        """The member (or lead) with this actor id: by issuer and subject, not by name."""
        return next((p for p in self.people() if actor and p.actor_id == actor), None)

    def people(self) -> tuple[Person, ...]:
        """The members, then the lead unless a member already."""
        lead = () if any(p.actor_id == self.lead.actor_id for p in self.members) else (self.lead,)
        return (*self.members, *lead)

    def for_issuer(self, issuer: str) -> Team:
        def known(p: Person) -> Person:
            return p if p.issuer else replace(p, issuer=issuer)

        return replace(self, lead=known(self.lead), members=tuple(known(p) for p in self.members))


PHASES = ("open", "in_progress", "waiting_for_applicant", "decided", "closed")
DEFAULT_STATUSES = {
    phase: Status(phase, phase, {"en": phase.replace("_", " ")}, {"en": phase.replace("_", " ")})
    for phase in PHASES
}


@dataclass(frozen=True)
class Catalogue:
    country: str
    case_types: dict[str, CaseType]
    statuses: dict[str, Status] = field(default_factory=lambda: dict(DEFAULT_STATUSES))
    teams: dict[str, Team] = field(default_factory=dict)
    warning_shares: tuple[float, ...] = (0.7, 0.9)
    municipality: dict[str, str] = field(default_factory=dict)  # code and name, for the open figures

    @property
    def calendar(self) -> WorkingCalendar:
        return calendar_for(self.country)

    def get(self, case_type_id: str) -> CaseType:
        return self.case_types[case_type_id]

    def ids(self) -> list[str]:
        return list(self.case_types)

    def status(self, status_id: str) -> Status:
        return self.statuses.get(status_id) or DEFAULT_STATUSES[status_id]

    def work_statuses(self) -> list[Status]:
        """The statuses a handler may set while working a case (clock running)."""
        return [s for s in self.statuses.values() if s.phase == "in_progress"]

    def team_of(self, case_type_id: str) -> Team | None:
        return self.teams.get(self.get(case_type_id).team)

    def for_issuer(self, issuer: str) -> Catalogue:
        """The catalogue whose rosters name people at this issuer (the deployment's
        OIDC_ISSUER) unless a roster entry names its own."""
        return replace(self, teams={k: t.for_issuer(issuer) for k, t in self.teams.items()})


def _target(raw: dict | None) -> Target | None:
    return Target(int(raw["amount"]), raw["unit"]) if raw else None


def _person(raw: dict, team_id: str) -> Person:
    if not raw.get("subject"):
        raise ValueError(
            f"team {team_id}: {raw.get('name')!r} needs a `subject`, the `sub` claim of their "
            "sign-in: people are told apart by it, not by name"
        )
    return Person(raw["name"], raw["email"], str(raw["subject"]), raw.get("issuer"))


def _parse(raw: dict) -> Catalogue:
    statuses = {
        item["id"]: Status(item["id"], item["phase"], dict(item["label"]), dict(item["applicant"]))
        for item in raw.get("statuses", [])
    }
    for status in statuses.values():
        if status.phase not in PHASES:
            raise ValueError(f"status {status.id}: unknown phase {status.phase!r}")
    teams = {
        team_id: Team(
            team_id,
            dict(item["name"]),
            _person(item["lead"], team_id),
            tuple(_person(p, team_id) for p in item.get("members", [])),
        )
        for team_id, item in (raw.get("teams") or {}).items()
    }
    types = {}
    for item in raw["case_types"]:
        types[item["id"]] = CaseType(
            id=item["id"],
            name=dict(item["name"]),
            description=dict(item.get("description", {})),
            target=Target(int(item["target"]["amount"]), item["target"]["unit"]),
            extension=_target(item.get("extension")) or _target(item["target"]),
            fee_reduction=bool(item.get("fee_reduction", False)),
            insikt_area=item.get("insikt_area"),
            documents=tuple(dict(d) for d in item.get("documents", [])),
            appeal=dict(item.get("appeal") or raw.get("appeal") or {}),
            appealable=bool(item.get("appealable", True)),
            kind=item["kind"],
            legal_reference=item.get("legal_reference", ""),
            team=item["team"],
            clock_starts_when_complete=bool(item.get("clock_starts_when_complete", False)),
        )
    return Catalogue(
        country=raw["country"],
        case_types=types,
        statuses={**DEFAULT_STATUSES, **statuses},
        teams=teams,
        warning_shares=tuple(sorted(float(x) for x in raw.get("warning_shares", (0.7, 0.9)))),
        municipality=dict(raw.get("municipality") or {}),
    )


@lru_cache(maxsize=4)
def load(path: Path) -> Catalogue:
    return _parse(yaml.safe_load(path.read_text(encoding="utf-8")))
