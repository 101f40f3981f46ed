"""The core services one app process runs, handed to every dialect."""

from __future__ import annotations

from dataclasses import dataclass

from roster.core.auth_token_service import AuthTokenService
from roster.core.bot_service import BotService
from roster.core.metadata_service import MetadataService
from roster.core.relation_service import RelationService
from roster.core.role_service import RoleService
from roster.core.tenancy import Tenancy
from roster.core.user_service import UserService


@dataclass(slots=True)
class Services:
    users: UserService
    roles: RoleService
    metadata: MetadataService
    bots: BotService
    relations: RelationService
    auth_tokens: AuthTokenService
    tenancy: Tenancy
