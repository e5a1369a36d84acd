"""The price check of one line (SPEC §3.2) and the invoice lock of a quote (``price.invoice_lock``)."""
