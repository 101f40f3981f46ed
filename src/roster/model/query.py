"""One typed query object for every user list, whatever dialect asked.

The store turns it into parameterised SQL; the dialects only fill it in.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum


class Activity(Enum):
    ACTIVE = "active"
    DEACTIVATED = "deactivated"
    ALL = "all"


class Order(Enum):
    """Each order is unique, so keyset pagination never skips or repeats a row."""

    NAME = "name"  # (folded name, uid): CometChat's list
    UID = "uid"  # uid: Sendbird's list


@dataclass(frozen=True, slots=True)
class UserQuery:
    app_id: str
    activity: Activity = Activity.ACTIVE
    order: Order = Order.NAME
    # A folded prefix as a key range [low, high); high None means unbounded.
    search: tuple[str, str | None] | None = None
    search_name: bool = True
    search_uid: bool = True
    online: bool | None = None
    roles: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    uids: tuple[str, ...] = ()
    include_bots: bool = True

    def fingerprint(self) -> tuple[object, ...]:
        """Identity of the result set, for page-boundary caching."""
        return (
            self.app_id,
            self.activity,
            self.order,
            self.search,
            self.search_name,
            self.search_uid,
            self.online,
            self.roles,
            self.tags,
            self.uids,
            self.include_bots,
        )


# A position in a list: the sort key of the last row seen.
SortKey = tuple[str, ...]
