from django.urls import path

from . import push_views, views

app_name = "org"
urlpatterns = [
    path("", views.settings_page, name="settings"),
    path("push/", push_views.push_page, name="push"),
    path("push/<int:pk>/active/", push_views.push_toggle, name="push_toggle"),
]
