"""After a quote is sent: closing it (accepted / lost → coaching task), the 24 h and validity timers."""
