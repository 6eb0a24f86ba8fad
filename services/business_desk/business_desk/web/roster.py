"""The people a page lets one filter by or assign to."""

from __future__ import annotations

from collections import Counter

from catalogue.casetypes import Catalogue, Person


def roster_choices(catalogue: Catalogue, case_types: list[str]) -> list[tuple[str, str]]:
    """The people of the case types' teams to filter or assign by: (actor id, label). The
    label is the name, with the email where two people share a name."""
    people: dict[str, Person] = {}
    for case_type in case_types:
        team = catalogue.team_of(case_type)
        for person in team.people() if team else ():
            if person.actor_id:
                people.setdefault(person.actor_id, person)
    names = Counter(p.name for p in people.values())
    return sorted(
        ((who, p.name if names[p.name] == 1 else f"{p.name} ({p.email})") for who, p in people.items()),
        key=lambda choice: choice[1],
    )
