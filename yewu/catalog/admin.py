"""Products, guide prices and price requests are business data (prices: `acl.ops_scope`): not in the Django admin.
They are kept on /catalog/ and the API, through ``catalog.services`` and the audit log."""
