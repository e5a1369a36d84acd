from django.urls import path

from . import views

app_name = "processes"
urlpatterns = [
    path("", views.process_list, name="list"),
    path("monitoring/", views.monitoring, name="monitoring"),
    path("definitions/<int:pk>/submit/", views.submit, name="submit"),
    path("definitions/<int:pk>/decide/", views.decide, name="decide"),
    path("steps/<int:pk>/", views.edit_step, name="edit_step"),
    path("<str:code>/", views.process_detail, name="detail"),
    path("<str:code>/new-version/", views.new_version, name="new_version"),
]
