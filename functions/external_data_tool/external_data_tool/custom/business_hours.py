"""Example python tool: whether a team is open now, from opening hours in the tool's settings. No network.

tools.json:
    "support_hours": {
      "kind": "python",
      "function": "external_data_tool.custom.business_hours:tool",
      "settings": {"team": "Support", "timezone": "Europe/London", "opens": "09:00", "closes": "17:30",
                   "days": ["Mon", "Tue", "Wed", "Thu", "Fri"]}
    }
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from external_data_tool.python_tool import ToolRequest

DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def tool(request: ToolRequest) -> str:
    zone = ZoneInfo(str(request.settings.get("timezone", "UTC")))
    return status_at(datetime.now(zone), request.settings)


def status_at(now: datetime, settings: Mapping[str, Any]) -> str:
    """The answer at `now` (aware, in the team's time zone): open until when, or closed until when."""
    team = str(settings.get("team", "We"))
    opens = time.fromisoformat(str(settings.get("opens", "09:00")))
    closes = time.fromisoformat(str(settings.get("closes", "17:00")))
    days = {DAYS.index(day) for day in settings.get("days", DAYS[:5])}
    zone_name = str(settings.get("timezone", "UTC"))
    if now.weekday() in days and opens <= now.time() < closes:
        return f"{team} is open now (until {closes:%H:%M} {zone_name})."
    for ahead in range(8):
        day = now.date() + timedelta(days=ahead)
        if day.weekday() in days and (ahead or now.time() < opens):
            when = "today" if ahead == 0 else ("tomorrow" if ahead == 1 else DAYS[day.weekday()])
            return f"{team} is closed now; opens {when} at {opens:%H:%M} {zone_name}."
    return f"{team} has no opening days configured."
