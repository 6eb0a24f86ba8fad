"""No longer an entrypoint: the consumer runs from the declaration
(`python -m kernel.platform.run business_desk consumer`, business_desk.service).

Left only for services/intake/tests/integration/test_case_type_pages.py, which imports
build_handlers and is intake's to move (to business_desk.service.consumed_handlers on
business_desk.bootstrap.bootstrap); delete this module with that import."""

from pymongo.database import Database

from business_desk.bootstrap import bootstrap
from business_desk.service import consumed_handlers
from business_desk.settings import DeskSettings


def build_handlers(db: Database) -> dict:
    """The consumer's handlers on `db`, wired as the kernel's runner wires them."""
    return consumed_handlers(bootstrap(DeskSettings.from_env(), db))
