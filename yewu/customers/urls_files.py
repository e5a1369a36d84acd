"""Excel import/export and PDF forms of the customer archive (SPEC §9.1)."""

from django.urls import path  # noqa: F401

urlpatterns: list = []
