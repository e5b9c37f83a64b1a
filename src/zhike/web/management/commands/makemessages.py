"""makemessages that also collects ``deferred("…")`` message ids (zhike.deferred): a title
stored untranslated and rendered in each reader's language."""

from django.core.management.commands import makemessages


class Command(makemessages.Command):
    xgettext_options = [*makemessages.Command.xgettext_options, "--keyword=deferred"]
