"""How pages, CSV files and open data name a case's 受付経路 (Submission.channel)."""

from __future__ import annotations

from portal.messages import N_
from portal.models import Channel

CHANNEL_LABELS = {Channel.ONLINE: N_("オンライン"), Channel.COUNTER: N_("窓口")}
