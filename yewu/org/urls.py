from django.urls import path

from . import push_views

app_name = "org"
# /settings/ itself (the settings page with its preview) is yewu.desk.preview.urls: it reads every area.
urlpatterns = [
    path("push/", push_views.push_page, name="push"),
    path("push/<int:pk>/active/", push_views.push_toggle, name="push_toggle"),
]
