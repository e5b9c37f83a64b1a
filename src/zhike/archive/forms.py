from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Customer


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
            # Django 6.1's blank option has no Chinese translation yet.
            if isinstance(field, forms.TypedChoiceField) and not field.required:
                options = [c for c in list(field.choices) if c[0] != ""]  # type: ignore[arg-type]
                field.choices = [("", _("请选择")), *options]
