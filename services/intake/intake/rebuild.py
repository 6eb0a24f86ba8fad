"""Entrypoint: rebuild intake's read model (intake.readmodels.rebuild);
`python -m intake.rebuild [--check]` prints the summary as JSON."""

from intake.readmodels.rebuild import rebuild
from intake.settings import IntakeSettings
from kernel.eventsourcing.rebuild import run_cli


def main() -> None:
    run_cli(IntakeSettings.from_env, rebuild)


if __name__ == "__main__":
    main()
