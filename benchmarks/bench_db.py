"""The benchmarks' throwaway databases, on DATABASE_URL's PostgreSQL server.

Each benchmark drops and creates a database of its own next to DATABASE_URL's,
points Django (or its child processes) at it and drops it at the end. Imported
as `from benchmarks import bench_db` once a script has put the project, not
this folder, at the head of sys.path.
"""

from __future__ import annotations

import os
import sys
from typing import Any
from urllib.parse import quote, urlsplit

import environ
import psycopg
from psycopg import sql


def admin_params(reason: str = "") -> dict[str, Any]:
    """DATABASE_URL's server and role as keyword arguments for psycopg.connect.

    No dbname: the caller names the database. Exits unless DATABASE_URL is a
    PostgreSQL URL, giving `reason` (if any) in parentheses.
    """
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        because = f" ({reason})" if reason else ""
        sys.exit(f"DATABASE_URL must point at PostgreSQL{because}")
    config = environ.Env.db_url_config(url)
    return {
        "host": config.get("HOST") or None,
        "port": config.get("PORT") or None,
        "user": config.get("USER") or None,
        "password": config.get("PASSWORD") or None,
    }


def recreate_database(
    params: dict[str, Any], name: str, *, drop_only: bool = False
) -> None:
    """Drop database `name` (ending its sessions) and, unless drop_only, create it."""
    database = sql.Identifier(name)
    # From the maintenance database: a database cannot drop itself.
    with psycopg.connect(dbname="postgres", autocommit=True, **params) as admin:
        admin.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(database)
        )
        if not drop_only:
            admin.execute(sql.SQL("CREATE DATABASE {}").format(database))


def database_url(name: str) -> str:
    """DATABASE_URL with database `name` in place of its own (same server, role)."""
    url = urlsplit(os.environ["DATABASE_URL"])
    # Scheme and server as written (a password stays quoted); the URL's options
    # go, as they do for the admin connection.
    return f"{url.scheme}://{url.netloc}/{quote(name, safe='')}"
