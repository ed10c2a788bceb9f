"""One page of a select, with the total, in two queries whatever the size."""
from dataclasses import dataclass

from sqlalchemy import func, select

from .extensions import db


@dataclass
class Page:
    """A page of rows and what is needed to link to the others."""

    items: list
    total: int
    page: int
    per_page: int

    @property
    def pages(self):
        """How many pages there are (at least one, so "page 1 of 1" reads right)."""
        return max(1, -(-self.total // self.per_page))

    @property
    def has_prev(self):
        return self.page > 1

    @property
    def has_next(self):
        return self.page < self.pages


MAX_PAGE = 10**6


def requested_page(arg="page"):
    """The page number asked for in the query string; anything odd means page 1."""
    from flask import request

    return max(1, request.args.get(arg, 1, type=int) or 1)


def paginate(stmt, page, per_page):
    """Run ``stmt`` for one page and count all its rows.

    Page numbers beyond any real list are clamped, so a silly ``?page=`` in
    a URL gives an empty page, not an overflow in the database driver.
    """
    page = max(1, min(page, MAX_PAGE))
    total = db.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery()))
    items = db.session.scalars(stmt.limit(per_page).offset((page - 1) * per_page)).unique().all()
    return Page(items=list(items), total=total, page=page, per_page=per_page)
