"""The production profile passes Django's deployment checks; the demo command works from a
clean directory; migrations match the models."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest


def zhike(*args: str, env: dict[str, str], cwd: Path, timeout: int = 180):  # type: ignore[no-untyped-def]
    return subprocess.run(  # noqa: S603
        [sys.executable, "-m", "zhike.cli", *args],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def clean_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "ZHIKE_", "DATABASE_URL", "CELERY_"))
    }
    env.update(ZHIKE_VAR_DIR=str(tmp_path / "var"), **extra)
    return env


def test_deploy_check_is_clean_for_the_production_profile(tmp_path: Path) -> None:
    env = clean_env(
        tmp_path,
        DJANGO_SETTINGS_MODULE="zhike.settings.production",
        ZHIKE_SECRET_KEY=secrets.token_urlsafe(64),
        ZHIKE_ALLOWED_HOSTS="crm.example.com",
    )
    result = zhike("check", "--deploy", "--fail-level", "WARNING", env=env, cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_deploy_production_refuses_a_missing_secret_key(tmp_path: Path) -> None:
    env = clean_env(tmp_path, DJANGO_SETTINGS_MODULE="zhike.settings.production")
    result = zhike("check", env=env, cwd=tmp_path)
    assert result.returncode != 0
    assert "ZHIKE_SECRET_KEY" in result.stderr


def test_deploy_migrations_match_the_models(tmp_path: Path) -> None:
    result = zhike("makemigrations", "--check", "--dry-run", env=clean_env(tmp_path), cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.skipif(bool(os.environ.get("DATABASE_URL")), reason="the demo is SQLite-only")
def test_demo_creates_the_company_once_with_every_login(tmp_path: Path) -> None:
    env = clean_env(tmp_path)
    first = zhike("demo", "--no-serve", "--customers", "200", env=env, cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    assert (tmp_path / "var" / "demo.sqlite3").exists()
    for login in (
        "admin",
        "gm",
        "vp",
        "mgr1",
        "sup1",
        "sales1",
        "sales2",
        "sales3",
        "cs1",
        "crm1",
        "fin1",
        "tech1",
        "arch1",
    ):
        assert login in first.stdout
    assert "zhike-demo" in first.stdout
    second = zhike("demo", "--no-serve", env=env, cwd=tmp_path)
    assert second.returncode == 0 and "正在创建演示公司" not in second.stdout
    count = zhike(
        "shell",
        "-c",
        "from zhike.archive.models import Customer; print(Customer.objects.count())",
        env={**env, "ZHIKE_SQLITE_PATH": str(tmp_path / "var" / "demo.sqlite3")},
        cwd=tmp_path,
    )
    assert count.stdout.strip().splitlines()[-1] == "200"


def test_deploy_serve_and_worker_use_the_production_profile(tmp_path: Path) -> None:
    # `import zhike` must not pick a profile before the command line is read.
    env = clean_env(tmp_path)
    result = subprocess.run(
        [sys.executable, "-c", "import os, zhike; print(os.environ.get('DJANGO_SETTINGS_MODULE'))"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.stdout.strip() == "None"
    check = zhike("serve", "--help", env=env, cwd=tmp_path)
    assert "ZHIKE_SECRET_KEY" in check.stderr  # production settings refuse to start without it


@pytest.mark.skipif(
    not os.environ.get("DATABASE_URL", "").startswith("postgres"), reason="PostgreSQL run only"
)
def test_demo_loads_on_postgresql_too(tmp_path: Path) -> None:
    """`zhike demo` with DATABASE_URL set: it once hung for ever on PostgreSQL (a query
    streamed inside a COPY of the same connection), so it runs here with a time limit,
    in a database of its own."""
    import psycopg

    url = os.environ["DATABASE_URL"]
    name = f"zhike_demo_{secrets.token_hex(4)}"
    server = url.rsplit("/", 1)[0]
    with psycopg.connect(f"{server}/postgres", autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        env = clean_env(tmp_path, DATABASE_URL=f"{server}/{name}")
        done = zhike("demo", "--no-serve", "--customers", "100", env=env, cwd=tmp_path, timeout=300)
        assert done.returncode == 0, done.stderr[-2000:]
        assert "sales1" in done.stdout
    finally:
        with psycopg.connect(f"{server}/postgres", autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
