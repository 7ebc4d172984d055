"""Kiosk agent settings: environment variables with the HALLQ_KIOSK_ prefix, or a .env file;
command-line options override them."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

Cjk = Literal["gb18030", "gbk", "big5", "image"]


class KioskSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="HALLQ_KIOSK_", env_file=".env", extra="ignore")

    server: str = Field("http://127.0.0.1:8000", description="Base URL of the hallq server")
    token: str = Field(
        "", description="Device token of this kiosk (`hallq device add --kind kiosk`)"
    )
    printer: str = Field(
        "dummy:",
        description="tcp://host:9100, usb://VID:PID, serial:///dev/ttyUSB0?baud=9600, "
        "file:///dev/usb/lp0 or dummy:",
    )
    profile: str | None = Field(None, description="python-escpos printer profile (QR, cut, width)")
    cjk: Cjk = Field(
        "gb18030", description="Chinese: the printer's font in gb18030/gbk/big5, or image"
    )
    font: str | None = Field(
        None, description="CJK font file[#index] for image mode (default: found)"
    )
    width_px: int | None = Field(None, ge=64, le=4096, description="Printable width in dots")
    keys: str = Field(
        "", description="Button box: services (prefix or code) on keys 1..n, e.g. A,B"
    )
    state_dir: Path | None = Field(None, description="Where printed job ids are kept")
    status_interval: float = Field(30.0, gt=0, description="Seconds between printer status probes")
    probe_timeout: float = Field(1.0, gt=0, description="Seconds to wait for a status answer")
    job_max_age_s: float = Field(
        180.0,
        gt=0,
        description="Older jobs are reported failed, not printed (nobody waits for them); "
        "a job past the expires_at the server gives it (print_job_ttl_s) is not printed either",
    )
