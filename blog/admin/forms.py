"""Forms of the admin area."""

from flask_wtf import FlaskForm
from wtforms import SelectMultipleField
from wtforms.fields.choices import SelectChoice
from wtforms.widgets import CheckboxInput, ListWidget

from blog.models.user import ROLE_DESCRIPTIONS, ROLE_NAMES


class RolesForm(FlaskForm):
    """The roles a user should have, as one checkbox per role with what it allows."""

    roles = SelectMultipleField(
        "Roles",
        choices=[SelectChoice(name, f"{name.title()}: {ROLE_DESCRIPTIONS[name]}") for name in ROLE_NAMES],
        widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(),
    )
