"""知客 zhike — a customer management system that runs a company's 客户管理制度."""

from .celery import app as celery_app

__all__ = ["celery_app"]
