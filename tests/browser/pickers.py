"""Choosing in a type-ahead picker (yewu/static/yewu/picker.js) the way a user does: the page carries no list of
customers or products, so a test types into the search box and taps a result."""

from playwright.sync_api import expect

from yewu.customers.models import Customer
from yewu.customers.search.services import reindex


def index_customers():
    """Customers set up with ``objects.create`` have no search tokens; build them as filing a customer does."""
    reindex(Customer.objects.values_list("pk", flat=True))


def pick(scope, select: str, typed: str, text: str | None = None):
    """In ``scope`` (a page or a locator), type ``typed`` into the picker of ``select`` and tap the result holding
    ``text`` (default: ``typed``); returns the picker box."""
    box = scope.locator(select).locator("xpath=..")
    box.locator(".picker-q").fill(typed)
    choice = box.locator(".picker-list li[role=option]", has_text=text or typed).first
    expect(choice).to_be_visible()
    choice.click()
    return box
