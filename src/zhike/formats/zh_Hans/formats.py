"""Amounts as Chinese finance writes them: 1,200,000.00 (Django's zh_Hans has no
separator, so ``floatformat:"2g"`` would print 1200000.00)."""

from django.conf.locale.zh_Hans.formats import *  # noqa: F403

THOUSAND_SEPARATOR = ","
NUMBER_GROUPING = 3
