"""A password in a database URL's query string (?password=) is masked wherever the one after the
user name is: `init`'s output, every error that names the database, the screen's opening line."""

from __future__ import annotations

import pytest

from annotator.domain.display import masked_url
from annotator.store.engine import shown_url
from annotator.tui.app import make_app

SECRET = "query-pass-7731"


@pytest.fixture
def postgres_only(backend):
    if backend != "postgresql":
        pytest.skip("about a PostgreSQL URL")


def _with_password(database) -> str:
    return f"{database}?password={SECRET}&application_name=annotator"


def test_init_prints_the_url_without_the_query_password(cli, database, postgres_only):
    result = cli("init", "--db", _with_password(database))
    assert result.code == 0, result.err
    assert SECRET not in result.out + result.err
    assert "password=***" in result.out and "application_name=annotator" in result.out


def test_a_database_without_a_codebook_is_named_without_the_query_password(cli, database, postgres_only):
    result = cli("status", "--db", _with_password(database))
    assert result.code == 1 and "has no codebook" in result.err
    assert SECRET not in result.out + result.err and "password=***" in result.err


def test_an_unreachable_server_is_named_without_the_query_password(cli, database, postgres_only):
    result = cli("status", "--db", f"postgresql+psycopg://ann@127.0.0.1:1/news?password={SECRET}")
    assert result.code == 1 and "cannot connect to" in result.err
    assert SECRET not in result.out + result.err and "password=***" in result.err


def test_the_screens_opening_line_hides_a_query_password():
    app = make_app(f"postgresql+psycopg://ann@db.example.org/news?sslmode=require&password={SECRET}", "alice")
    assert SECRET not in app._opening and "password=***" in app._opening


@pytest.mark.parametrize("url, shown", [
    (f"postgresql+psycopg://ann:{SECRET}@h/db", "postgresql+psycopg://ann:***@h/db"),
    (f"postgresql://h/db?user=ann&password={SECRET}", "postgresql://h/db?password=***&user=ann"),
    (f"postgresql://h/db?sslpassword={SECRET}&PASSWORD={SECRET}", "postgresql://h/db?PASSWORD=***&sslpassword=***"),
    # a port SQLAlchemy cannot read: masked as text all the same
    (f"postgresql://ann:{SECRET}@h:abc/db?password={SECRET}", "postgresql://ann:***@h:abc/db?password=***"),
])
def test_shown_url_masks_every_password(url, shown):
    assert shown_url(url) == shown


def test_masked_url_leaves_a_url_without_a_password_alone():
    assert masked_url("postgresql://ann@h:5432/db?sslmode=require") == "postgresql://ann@h:5432/db?sslmode=require"
    assert masked_url("sqlite:////tmp/pass@word.db") == "sqlite:////tmp/pass@word.db"


def test_a_password_holding_an_unencoded_at_sign_is_refused_before_connecting(cli):
    result = cli("status", "--db", "postgresql+psycopg://owner1:SEC@RET7@127.0.0.1:1/proj")
    assert result.code == 1 and "must write it as %40" in result.err and "RET7" not in result.err


def test_an_at_sign_in_the_user_name_shows_nothing_of_the_password(cli):
    result = cli("status", "--db", "postgresql+psycopg://a@b:TOPSECRET-9@host/db")
    assert result.code == 1 and "TOPSECRET" not in result.err and "%40" in result.err
