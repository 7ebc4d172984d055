"""Server settings: environment variables with the HALLQ_ prefix, or a .env file."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="HALLQ_", env_file=".env", extra="ignore")

    database_url: str = Field(
        "sqlite:///var/hallq.db",
        description="SQLAlchemy URL: sqlite:///… or postgresql+psycopg://…",
    )
    bus_url: str = Field("memory://", description="Event bus: memory:// or redis://host:port/db")
    admin_password: str | None = Field(
        None, description="Password of the first `admin` user (generated and printed if unset)"
    )
    token_ttl_hours: int = Field(12, description="Lifetime of a login token, hours")
    login_max_failures: int = Field(
        5, description="Failed logins per username and address before 429 (docs/decisions.md)"
    )
    login_window_s: int = Field(300, description="Window for counting failed logins, seconds")
    idempotency_ttl_hours: int = Field(48, description="How long Idempotency-Key answers are kept")
    audit_retention_years: int = Field(
        5, ge=1, le=100, description="Audit records older than this are purged (docs/audit.md)"
    )
    subscriber_queue: int = Field(1000, description="Events buffered per websocket subscriber")
    replay_max_events: int = Field(
        10000, description="A client further behind than this gets a snapshot instead of a replay"
    )
    priority_boost_min: int = Field(
        15, description="Default bounded boost of priority tickets, minutes (branch may override)"
    )
    public_base_url: str = Field(
        "http://127.0.0.1:8000", description="Base URL printed on tickets and in `make run`"
    )
    auth_cache_s: float = Field(
        5.0,
        ge=0,
        le=300,
        description="Seconds a verified bearer token is remembered (0: look up every request)",
    )
    max_exports: int = Field(
        2,
        ge=1,
        le=50,
        description="File exports (CSV, XLSX) running at once per server process; more get 429",
    )
    worker_threads: int = Field(
        0, ge=0, le=1000, description="Threads for blocking endpoints (0: AnyIO's default, 40)"
    )
    database_pool: int = Field(
        10,
        ge=1,
        le=200,
        description="PostgreSQL connections each server process keeps (and up to half as many "
        "more when busy): keep workers × 1.5 × this below the server's max_connections",
    )
    max_body_bytes: int = Field(
        1024 * 1024, ge=1024, description="Largest request body, bytes (larger: 413 too_large)"
    )
    trusted_proxies: str = Field(
        "",
        description="Comma-separated addresses or networks of reverse proxies whose "
        "X-Forwarded-For is believed (none by default)",
    )
    alerts_interval_s: float = Field(
        2.0,
        ge=0.2,
        le=10,
        description="Seconds between two evaluations of the alerts (earlier when one is due)",
    )
    alerts_sweep_s: float = Field(
        60.0,
        ge=1,
        le=3600,
        description="Seconds within which the alerts read every hall again, changed or not "
        "(the others: when their events, their due times or their devices say so)",
    )
    memory_trim_s: float = Field(
        10.0,
        ge=0,
        le=3600,
        description="Seconds between two returns of the C heap's free memory to the system "
        "(glibc malloc_trim; 0: never)",
    )
    alerts_evaluate: bool = Field(
        True,
        description="This process takes part in evaluating alerts (one process at a time does; "
        "false: leave it to the others)",
    )
    day_close: bool = Field(
        True,
        description="This process takes part in the end-of-day close-out of leftover tickets "
        "(one process at a time does; false: leave it to the others)",
    )
    public_info_per_min: int = Field(
        120,
        ge=0,
        le=1_000_000,
        description="Requests per minute one client address may make for a hall's public "
        "information (GET /api/v1/public/branches/{id}); more: 429 (0: no limit)",
    )
    webhook_allow: str = Field(
        "",
        description="Comma-separated networks (CIDR) and host names webhooks may post to "
        "(*.example.com: its subdomains); empty: any http/https receiver",
    )
    webhook_timeout_s: float = Field(
        10.0, gt=0, le=60, description="Seconds a webhook receiver has to answer one delivery"
    )
    webhook_concurrency: int = Field(
        32, ge=1, le=1000, description="Webhook deliveries in flight at once, per process"
    )
    secret_key: str = Field(
        "",
        description="Key that seals webhook secrets in the database (default: derived from "
        "the installation id; set it to keep secrets from a copy of the database alone)",
    )
