from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.urls import reverse
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
        # 省/市/区县: the picker (zhike.js) turns these into linked selects of GB/T 2260.
        for level in ("province", "city", "district"):
            self.fields[level].widget.attrs.update(
                {"data-region": level, "data-blank": _("请选择"), "autocomplete": "off"}
            )
        self.fields["province"].widget.attrs["data-regions-url"] = reverse("regions")
        for field in self.fields.values():
            if isinstance(field, forms.CharField):
                field.validators.append(no_control_characters)
            # Django 6.1's blank option has no Chinese translation yet.
            if isinstance(field, forms.TypedChoiceField) and not field.required:
                options = [c for c in list(field.choices) if c[0] != ""]  # type: ignore[arg-type]
                field.choices = [("", _("请选择")), *options]
