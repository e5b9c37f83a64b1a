from zhike.errors import RuleError


class AnalyticsError(RuleError):
    """A report's filter was refused (400 in the API's one error shape)."""
