"""The reminder form on a post page."""

from __future__ import annotations

from datetime import UTC

from flask_wtf import FlaskForm
from wtforms import DateTimeLocalField, RadioField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length, Optional


class ReminderForm(FlaskForm):
    when = RadioField(
        "Remind me",
        choices=[
            SelectChoice("1h", "In 1 hour"),
            SelectChoice("tomorrow", "Tomorrow"),
            SelectChoice("week", "Next week"),
            SelectChoice("custom", "At (UTC)"),
        ],
        default="1h",
    )
    at = DateTimeLocalField("At (UTC)", format="%Y-%m-%dT%H:%M", validators=[Optional()])
    text = StringField("Note", validators=[Optional(), Length(max=500)])

    def at_utc(self):
        """The chosen custom time, read as UTC."""
        return self.at.data.replace(tzinfo=UTC) if self.at.data else None
