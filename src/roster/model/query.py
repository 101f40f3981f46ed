"""One typed query object for every user list, whatever dialect asked.

The store turns it into parameterised SQL; the dialects only fill it in.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from enum import Enum
from operator import attrgetter


class Activity(Enum):
    ACTIVE = "active"
    DEACTIVATED = "deactivated"
    ALL = "all"


class Order(Enum):
    """Each order is unique, so keyset pagination never skips or repeats a row."""

    NAME = "name"  # (folded name, uid): CometChat's list
    UID = "uid"  # uid: Sendbird's list


class Relation(Enum):
    BLOCKED_BY = "blocked_by"  # users the given user has blocked
    BLOCKING = "blocking"  # users who have blocked the given user
    BLOCK_EITHER = "block_either"  # either of the above
    FRIENDS = "friends"  # the given user's friends


@dataclass(frozen=True, slots=True)
class UserQuery:
    """Frozen and hashable: equal queries name the same result set (page marks key on it)."""

    app_id: str
    activity: Activity = Activity.ACTIVE
    order: Order = Order.NAME
    # A folded prefix as a key range [low, high); high None means unbounded.
    search: tuple[str, str | None] | None = None
    search_name: bool = True
    search_uid: bool = True
    # A folded substring the name or uid must contain (same columns as `search`): our
    # extension, CometChat `searchMode=contains` and Sendbird `nickname_contains`.
    contains: str | None = None
    online: bool | None = None
    roles: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    uids: tuple[str, ...] = ()
    include_bots: bool = True
    name_exact: str | None = None  # a folded name the whole name must equal
    # (metadata key, accepted values): users whose value for the key is any of them
    metadata: tuple[str, tuple[str, ...]] | None = None
    # Users related to one user (its pk): see `Relation`.
    related: tuple[Relation, int] | None = None
    _hash: int = field(default=0, init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_hash", hash(_compared(self)))

    def __hash__(self) -> int:
        return self._hash


_compared = attrgetter(*(f.name for f in fields(UserQuery) if f.compare))


# A position in a list: the sort key of the last row seen.
SortKey = tuple[str, ...]
