"""The form an admin writes an announcement in."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length

from blog.announcements.services import AUDIENCES


class AnnouncementForm(FlaskForm):
    subject = StringField("Subject", validators=[DataRequired(), Length(max=200)])
    body = TextAreaField("Message (Markdown)", validators=[DataRequired(), Length(max=50_000)])
    audience = SelectField(
        "To", choices=[SelectChoice(value, label) for value, label in AUDIENCES.items()], default="subscribers"
    )
