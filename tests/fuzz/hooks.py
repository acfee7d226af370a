"""Schemathesis hooks of the CI fuzz step (loaded by tests/fuzz/schemathesis.toml).

`positive_data_acceptance_except_listed` is schemathesis' own
`positive_data_acceptance` (a request that is valid by the document must not be
refused with 400/422: if it is, the document lacks a constraint), except for
the refusals listed in EXCEPTIONS: rules no JSON schema can express, so a
request can be well-formed by the document and still refused. Each exception
names the operation, the status and the problem document's `code`, so any
other refusal of the same operation still fails the run.
"""

import json
import threading

import schemathesis
from hypothesis.internal import lambda_sources
from schemathesis.specs.openapi.checks import positive_data_acceptance

# Hypothesis names a lambda (only for its repr) by parsing its source with
# `ast`; under CPython 3.11.7 that parse fails deep in schemathesis' stack with
# "SystemError: AST constructor recursion depth mismatch" (python/cpython#106905),
# a tool error that says nothing about bioskop and stopped one operation's
# tests. The name is cosmetic: on that error the lambda is named generically,
# and one parse runs at a time across the two workers.
_AST_LOCK = threading.Lock()
_describe_lambda = lambda_sources.lambda_description


def _describe_lambda_safely(f):
    with _AST_LOCK:
        try:
            return _describe_lambda(f)
        except SystemError:
            return "lambda: <source not parsed>"


lambda_sources.lambda_description = _describe_lambda_safely

# (operation, status, problem code) -> why no schema can rule the request out.
EXCEPTIONS = {
    ("POST /api/v1/bookings", 422, "unknown_seat"):
        "a well-formed seat id that is not a seat of this showtime's auditorium "
        "(which seats exist depends on the showtime, not on the request's shape)",
    ("POST /api/v1/bookings/{id}/seats", 422, "unknown_seat"):
        "a well-formed seat id that is not a seat of the booking's showtime",
    ("DELETE /api/v1/bookings/{id}/seats/{seat}", 422, "unknown_seat"):
        "a well-formed seat id that is not a seat of the booking's showtime",
    ("POST /api/v1/admin/showtimes/{id}/blocked-seats", 422, "unknown_seat"):
        "a well-formed seat id that is not a seat of this showtime's auditorium",
    ("DELETE /api/v1/admin/showtimes/{id}/blocked-seats/{seat}", 422, "unknown_seat"):
        "a well-formed seat id that is not a seat of this showtime's auditorium",
    ("POST /api/v1/admin/cinemas", 422, "unknown_city"):
        "a well-formed city id that names no city (which cities exist is data)",
    ("PATCH /api/v1/admin/cinemas/{id}", 422, "unknown_city"):
        "a well-formed city id that names no city (which cities exist is data)",
    ("POST /api/v1/admin/cinemas/{id}/auditoriums", 422, "invalid_layout"):
        "a row letter missing from `classes`, a row of only gaps, or more than 2000 "
        "seats (a rule across fields and rows no JSON schema can express)",
    ("PUT /api/v1/admin/auditoriums/{id}", 422, "invalid_layout"):
        "a row letter missing from `classes`, a row of only gaps, or more than 2000 "
        "seats (a rule across fields and rows no JSON schema can express)",
    ("POST /api/v1/admin/showtimes", 422, "unknown_movie"):
        "a well-formed id that names no movie, an archived movie or no auditorium (data)",
    ("POST /api/v1/admin/showtimes", 422, "movie_archived"):
        "a well-formed id that names no movie, an archived movie or no auditorium (data)",
    ("POST /api/v1/admin/showtimes", 422, "unknown_auditorium"):
        "a well-formed id that names no movie, an archived movie or no auditorium (data)",
    ("POST /api/v1/admin/showtimes", 422, "invalid_prices"):
        "which seat classes need a price depends on the auditorium's layout (data)",
    ("POST /api/v1/admin/showtimes", 422, "start_in_past"):
        "whether a start is in the future depends on the clock, not on the request's shape",
    ("POST /api/v1/admin/showtimes/batch", 422, "unknown_movie"):
        "a well-formed id that names no movie, an archived movie or no auditorium (data)",
    ("POST /api/v1/admin/showtimes/batch", 422, "movie_archived"):
        "a well-formed id that names no movie, an archived movie or no auditorium (data)",
    ("POST /api/v1/admin/showtimes/batch", 422, "unknown_auditorium"):
        "a well-formed id that names no movie, an archived movie or no auditorium (data)",
    ("POST /api/v1/admin/showtimes/batch", 422, "invalid_prices"):
        "which seat classes need a price depends on the auditorium's layout (data)",
    ("POST /api/v1/admin/showtimes/batch", 422, "start_in_past"):
        "whether a start is in the future depends on the clock, not on the request's shape",
    ("POST /api/v1/admin/showtimes/batch", 422, "invalid_schedule"):
        "`to` before `from`, more than 62 days or 500 showtimes, no day of the range on a "
        "chosen weekday, or a local time the cinema's clocks skip (rules across fields and "
        "the cinema's time zone)",
    ("PATCH /api/v1/admin/showtimes/{id}", 422, "invalid_prices"):
        "which seat classes a showtime has depends on its layout (data)",
    ("PATCH /api/v1/admin/showtimes/{id}", 422, "start_in_past"):
        "whether a start is in the future depends on the clock, not on the request's shape",
}


def _problem_code(response):
    try:
        body = json.loads(response.content)
    except (ValueError, TypeError):
        return None
    return body.get("code") if isinstance(body, dict) else None


@schemathesis.check
def positive_data_acceptance_except_listed(ctx, response, case):
    key = (case.operation.label, response.status_code, _problem_code(response))
    if key in EXCEPTIONS:
        return None
    return positive_data_acceptance(ctx, response, case)
