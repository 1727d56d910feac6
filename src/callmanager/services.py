"""The long-lived parts of one running service, built once from settings and shared by requests."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from callmanager.db import UnitOfWork, make_engine, make_session_factory
from callmanager.settings import Settings


@dataclass
class Services:
    """Engine, session factory and background machinery; started and stopped by the lifespan."""

    settings: Settings
    engine: Engine
    session_factory: sessionmaker[Session]

    @classmethod
    def build(cls, settings: Settings) -> Services:
        engine = make_engine(settings.resolved_database_url)
        return cls(settings=settings, engine=engine, session_factory=make_session_factory(engine))

    def unit_of_work(self) -> UnitOfWork:
        return UnitOfWork(self.session_factory)

    async def start(self) -> None:
        """Start background machinery (audit writer, scheduler)."""

    async def stop(self) -> None:
        """Drain and stop background machinery, then release connections."""
        self.engine.dispose()
