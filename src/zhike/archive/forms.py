from django import forms

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
