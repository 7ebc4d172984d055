"""Table of pre-computed statistics (the rollup)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
)
from sqlalchemy.orm import Mapped, mapped_column

from server.core.models import Base


class StatsRollup(Base):
    """Statistics of one closed period (day, month, year) of a hall, one row per group key of
    each dimension, histograms encoded by server/stats/histogram.py. The `total` row (key 0)
    marks the period: built when `ready`, claimed by a builder at `built_at` otherwise.
    Triggers (migration 0006) delete a period's rows when one of its tickets changes."""

    __tablename__ = "stats_rollup"
    __table_args__ = (
        Index("ix_stats_rollup_marker", "branch_id", "dimension", "period", "first_day"),
    )
    branch_id: Mapped[int] = mapped_column(ForeignKey("branch.id"), primary_key=True)
    period: Mapped[str] = mapped_column(String(5), primary_key=True)  # day | month | year
    first_day: Mapped[date] = mapped_column(Date, primary_key=True)
    # total | service | counter | clerk | hour
    dimension: Mapped[str] = mapped_column(String(8), primary_key=True)
    group_key: Mapped[int] = mapped_column(Integer, primary_key=True)  # -1: none (not called)
    ready: Mapped[bool] = mapped_column(Boolean, default=False)
    built_at: Mapped[datetime]
    issued: Mapped[int] = mapped_column(Integer, default=0)
    served: Mapped[int] = mapped_column(Integer, default=0)
    no_show: Mapped[int] = mapped_column(Integer, default=0)
    cancelled: Mapped[int] = mapped_column(Integer, default=0)
    day_closed: Mapped[int] = mapped_column(Integer, default=0)  # closed out at the day's end
    called: Mapped[int] = mapped_column(Integer, default=0)
    within: Mapped[int] = mapped_column(Integer, default=0)
    wait_sum_ms: Mapped[int] = mapped_column(BigInteger, default=0)
    wait_max_ms: Mapped[int | None] = mapped_column(BigInteger)
    service_n: Mapped[int] = mapped_column(Integer, default=0)
    service_sum_ms: Mapped[int] = mapped_column(BigInteger, default=0)
    rating_n: Mapped[int] = mapped_column(Integer, default=0)
    rating_sum: Mapped[int] = mapped_column(Integer, default=0)
    rating_low: Mapped[int] = mapped_column(Integer, default=0)
    over_limit: Mapped[int] = mapped_column(Integer, default=0)
    open_ms: Mapped[int] = mapped_column(BigInteger, default=0)
    paused_ms: Mapped[int] = mapped_column(BigInteger, default=0)
    idle_ms: Mapped[int] = mapped_column(BigInteger, default=0)
    wait_hist: Mapped[bytes | None] = mapped_column(LargeBinary)
    service_hist: Mapped[bytes | None] = mapped_column(LargeBinary)
