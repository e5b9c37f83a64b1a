from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from zhike.text import has_control_characters

from .models import Customer


def no_control_characters(value: str) -> None:
    if has_control_characters(value):
        raise ValidationError(_("不能包含控制字符"), code="control_character")


class CustomerForm(forms.ModelForm):
    """The fields a user may edit; validation beyond the form is in services."""

    class Meta:
        model = Customer
        fields = [
            "name",
            "customer_type",
            "status",
            "phone",
            "source",
            "referrer_name",
            "industry",
            "size",
            "province",
            "city",
            "district",
            "address",
            "uscc",
        ]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            if isinstance(field, forms.CharField):
                field.validators.append(no_control_characters)
            # Django 6.1's blank option has no Chinese translation yet.
            if isinstance(field, forms.TypedChoiceField) and not field.required:
                options = [c for c in list(field.choices) if c[0] != ""]  # type: ignore[arg-type]
                field.choices = [("", _("请选择")), *options]
